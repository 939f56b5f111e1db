"""``matching``: batch matching time, optimal total against greedy, and peak memory.

Each size is a seeded random programme shaped like ours: mostly Spanish-speaking Latin American
trainees with some English, Portuguese, French and Swahili speakers, popular fields and
interests weighted, a few profiles missing their field or stage, senior trainees among the
mentors (peer mentoring), and a sprinkle of exclusions and previous pairs. There are ten
mentees per mentor and ten places per mentor, so places just cover demand and mentees compete
for the popular mentors; the hardest case for an optimiser.

Four results per size, each measured side by side with ``greedy_batch`` (best pair first):
wall time (median of a few runs, with the issue's target and whether it was met), total score,
peak memory that Python allocated (tracemalloc), and the whole process's peak resident memory
added by one run in a fresh child process: that one also sees what OR-Tools and numpy allocate
outside Python's allocator, which tracemalloc misses.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import random
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from functools import partial

from bot.services.matching import (
    BatchResult,
    Candidate,
    Constraints,
    greedy_batch,
    match_batch,
)
from bot.services.profile import FIELDS, INTERESTS, MENTEE_STAGES, MENTOR_STAGES

DEFAULT_SIZES = (5_000, 20_000)  # mentees; a tenth as many mentors
TARGET_SECONDS = {5_000: 1.0, 20_000: 3.0}  # the targets for the optimal assignment
PLACES = 10
RUNS = 3
SEED = 20240611

# (UTC offset, weight): Latin America first, then Europe/Africa, India, a few far away.
OFFSETS = ((-6, 12), (-5, 30), (-4, 12), (-3, 20), (0, 5), (1, 6), (2, 4), (3, 4), (5.5, 4),
           (8, 2), (-8, 1))  # fmt: skip
FIELD_WEIGHTS = (14, 12, 12, 10, 8, 6, 7, 5, 6, 8, 4, 4)
INTEREST_WEIGHTS = (12, 8, 12, 4, 6, 5, 3, 4, 9, 6)
MENTEE_STAGE_WEIGHTS = (15, 25, 20, 30, 5)
MENTOR_STAGE_WEIGHTS = (15, 20, 25, 25, 10)
# (first language, weight); many also speak English, a few Quechua.
LANGUAGES = (("es", 60), ("pt", 15), ("en", 15), ("fr", 5), ("sw", 5))


def _person(rng: random.Random, person_id: int, *, mentor: bool) -> Candidate:
    stages, stage_weights = (
        (MENTOR_STAGES, MENTOR_STAGE_WEIGHTS) if mentor else (MENTEE_STAGES, MENTEE_STAGE_WEIGHTS)
    )
    first = rng.choices([code for code, _ in LANGUAGES], [w for _, w in LANGUAGES])[0]
    languages = {first}
    if rng.random() < (0.6 if mentor else 0.35):
        languages.add("en")
    if first == "es" and rng.random() < 0.03:
        languages.add("qu")
    interests: set[str] = set()
    for _ in range(rng.randint(1, 4)):
        interests.add(rng.choices(INTERESTS, INTEREST_WEIGHTS)[0])
    return Candidate(
        person_id=person_id,
        field=None if rng.random() < 0.05 else rng.choices(FIELDS, FIELD_WEIGHTS)[0],
        stage=None if rng.random() < 0.05 else rng.choices(stages, stage_weights)[0],
        interests=frozenset(interests),
        languages=frozenset(languages),
        utc_offset_hours=rng.choices([o for o, _ in OFFSETS], [w for _, w in OFFSETS])[0],
        capacity_left=PLACES if mentor else 0,
    )


def programme(
    mentees: int, seed: int = SEED
) -> tuple[list[Candidate], list[Candidate], Constraints]:
    """A seeded random programme: mentors, mentees, and some exclusions and previous pairs."""
    rng = random.Random(seed + mentees)
    mentor_list = [_person(rng, n, mentor=True) for n in range(max(1, mentees // 10))]
    mentee_list = [_person(rng, 1_000_000 + n, mentor=False) for n in range(mentees)]

    def some_pairs(share: float) -> frozenset[tuple[int, int]]:
        return frozenset(
            (rng.choice(mentor_list).person_id, mentee.person_id)
            for mentee in mentee_list
            if rng.random() < share
        )

    return (
        mentor_list,
        mentee_list,
        Constraints(excluded=some_pairs(0.01), previous=some_pairs(0.03)),
    )


def _median_seconds(solve: Callable[[], BatchResult]) -> float:
    times = []
    for _ in range(RUNS):
        gc.collect()  # every run starts from the same heap, whatever the last one left
        started = time.perf_counter()
        solve()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _peak_mb(solve: Callable[[], BatchResult]) -> float:
    tracemalloc.start()
    try:
        solve()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _rss_mb() -> float:
    """This process's peak resident set so far, in MB.

    ``VmHWM`` belongs to the process's own memory map; ``ru_maxrss`` would do elsewhere, but
    on Linux it survives ``exec`` and so starts a spawned child at its parent's peak.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _child_peak_rss(size: int, greedy: bool) -> float:
    """In a fresh process: how far one run raises the peak resident set above the programme."""
    mentors, mentees, constraints = programme(size)
    solve = greedy_batch if greedy else match_batch
    solve(mentors[:2], mentees[:2], constraints=constraints)  # imports and first-call set-up
    gc.collect()
    before = _rss_mb()
    solve(mentors, mentees, constraints=constraints)
    return max(0.0, _rss_mb() - before)


def _peak_rss_mb(size: int, *, greedy: bool) -> float:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return float(pool.apply(_child_peak_rss, (size, greedy)))


def _result(
    name: str, value: float, unit: str, baseline: float, target: float | None = None
) -> dict[str, object]:
    result: dict[str, object] = {
        "bench": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3),
        "ratio": round(value / baseline, 4) if baseline else None,
    }
    if target is not None:
        result |= {"target": target, "met": value <= target}
    return result


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    """Time ``match_batch`` against ``greedy_batch`` and compare their totals and memory."""
    results: list[dict[str, object]] = []
    for size in (args.size,) if args.size else DEFAULT_SIZES:
        mentors, mentees, constraints = programme(size)
        optimal = partial(match_batch, mentors, mentees, constraints=constraints)
        greedy = partial(greedy_batch, mentors, mentees, constraints=constraints)
        name = f"matching-batch-{len(mentees)}x{len(mentors)}x{PLACES}"
        # Only the totals are kept: 20,000 explained pairs left alive would make every later
        # garbage collection, in either solver, walk them.
        best, baseline = optimal().total_score, greedy().total_score
        results += [
            _result(f"{name}-seconds-vs-greedy", _median_seconds(optimal), "s",
                    _median_seconds(greedy), TARGET_SECONDS.get(size)),
            _result(f"{name}-total-vs-greedy", best, "score", baseline),
            _result(f"{name}-peak-memory-vs-greedy", _peak_mb(optimal), "MB", _peak_mb(greedy)),
            _result(f"{name}-peak-rss-vs-greedy", _peak_rss_mb(size, greedy=False), "MB",
                    _peak_rss_mb(size, greedy=True)),
        ]  # fmt: skip
    return results
