"""Benchmarks: ``python -m bench [NAME…]`` prints one JSON line per result.

Each line is ``{"bench", "value", "unit", "baseline", "ratio"}``; the name carries the size it
measured, and every ratio compares two things measured side by side in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from bench import broadcast, checkins, load, matching, pairing, relay, soak, updates

Result = dict[str, object]
BENCHMARKS: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, list[Result]]]] = {
    "updates": updates.run,
    "matching": matching.run,
    "pairing": pairing.run,
    "relay": relay.run,
    "checkins": checkins.run,
    "broadcast": broadcast.run,
    "load": load.run,
    "soak": soak.run,
}


def main() -> int:
    """Run the named benchmarks (all by default)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        choices=[[], *BENCHMARKS],
        metavar="NAME",
        help="benchmarks to run: " + ", ".join(BENCHMARKS),
    )
    parser.add_argument("--size", type=int, default=None, help="override the default size")
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="how long a timed benchmark runs (load: 60 s by default)",
    )
    parser.add_argument(
        "--database",
        action="append",
        default=None,
        help="database URL(s) to measure (default: SQLite, plus PostgreSQL if up)",
    )
    args = parser.parse_args()
    for name in args.names or list(BENCHMARKS):
        for result in asyncio.run(BENCHMARKS[name](args)):
            print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
