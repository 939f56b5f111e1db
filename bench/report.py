"""One result line of a benchmark: a figure next to the baseline measured in the same run."""

from __future__ import annotations


def result(
    name: str, value: float, unit: str, baseline: float, *, digits: int = 3
) -> dict[str, object]:
    """``{"bench", "value", "unit", "baseline", "ratio"}`` (no ratio to a zero baseline)."""
    return {
        "bench": name,
        "value": round(value, digits),
        "unit": unit,
        "baseline": round(baseline, digits),
        "ratio": round(value / baseline, 3) if baseline else None,
    }
