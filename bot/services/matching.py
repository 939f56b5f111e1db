"""Matching mentees with mentors: hard rules, explained scores, and the optimal batch.

Pure domain code: frozen dataclasses in, plain dataclasses out; no database, no Telegram, no
I/O. The pairing service loads the candidates, calls in here, then stores and announces pairs.

Flow:
    1. ``check`` applies the hard constraints. A pair that fails one never exists: nobody the
       mentor can talk to (no common language), the mentor away or full, a coordinator's
       exclusion, a pair that already existed, or the peer-mentoring stage rule (``may_mentor``).
    2. ``score`` adds up the soft preferences (same field, shared interests, hours apart, how
       well the mentor's seniority fits the mentee's stage, places left) and returns each one as
       a ``Reason``: a code, plain parameters and the points it added. Coordinators and intro
       messages render reasons through the message catalogs; this module writes no sentences.
    3. ``suggest`` ranks the mentors for one mentee (mentee-choice programmes).
    4. ``match_batch`` finds the assignment with the largest total score over the programme:
       each mentee gets at most one mentor, no mentor gets more mentees than places left, and a
       mentee nobody suits stays unmatched with a reason code saying why.

Batch formulation:
    This is a bipartite b-matching (a transportation problem). Leaving a mentee unmatched is
    worth 0, so only pairs scoring above 0 are worth making; with the default weights every
    feasible pair does, so the optimum pairs everyone it can.

    The whole graph is too big for a solver (20,000 x 2,000 is 40M pairs, 400M edges once
    mentors are split into places), and keeping only each mentee's top mentors is not
    optimal: on the benchmark programme, where places just cover demand and popular mentors
    are wanted by many, a top-12 shortlist lost 5% of the optimum (ending below greedy) and a
    top-24 one 1.2%, because 1% of mentees end up with a mentor beyond their 85th best. So a
    short shortlist only starts a column generation that ends provably optimal:

    a. Score every pair once, in row blocks on all cores, into a matrix of whole units in the
       narrowest integer type that fits (int16 with the default weights: 2 bytes a pair);
       every later pass reads it. Keep each mentee's ``shortlist`` best mentors, remembering
       the best score left out, plus its best few among the mentors those shortlists leave
       under-demanded, so the first solve can place nearly everyone (a mentee left out only
       because its favourites were full would push their prices up to its own scores).
    b. Solve the shortlisted problem exactly as a min-cost flow with OR-Tools' cost-scaling
       solver (mentee -> mentor -> sink, mentor arcs capped by places left, and a free
       mentee -> sink arc for "unmatched"), in whole units so every sum is exact. Scores on
       a coarse grid tie a lot and ties slow cost scaling 2-3x, so the solver first sees
       each pair's score less a fixed random fraction of a unit (under half); the proof in
       (c) uses the true scores, and if it fails the edges are solved again without that.
       scipy's sparse Jonker-Volgenant solver (``min_weight_full_bipartite_matching``) needs
       one node per place and was 1.5-2x slower per round; HiGHS (``linprog``) 2-5x slower;
       POT's network simplex on the whole dense problem took 18.6 s.
    c. Prove the assignment optimal on the *whole* graph. The b-matching LP is totally
       unimodular, so its optimum is integral and equals the best assignment's total; a dual
       solution (``u`` per mentee, ``v`` per mentor, both >= 0, ``u_i + v_j >= score_ij`` on
       every feasible pair) with the same objective proves it. The smallest mentor prices
       ``v`` are shortest paths in a small graph over mentors built from the assignment
       (complementary slackness); a mentee's share ``u_i`` is its score minus its mentor's
       price, or 0. Rows whose share covers their best left-out score need no look; the
       others are read again from the matrix.
    d. Add the left-out pairs that break the dual, or come within ``_NEAR`` of breaking it
       (up to ``shortlist`` per mentee), and solve again. Each round adds at least one pair
       that breaks the dual, so this ends; adding the nearly broken ones too saves rounds,
       since prices keep rising a little while the rounds go on.

    How many rounds it takes depends on competition. With places to spare prices settle fast.
    When places just cover demand and many mentees want the same mentors (the benchmark), it
    takes 4 rounds (5 now and then), and as neither OR-Tools' nor scipy's solvers can be
    warm-started each round solves from scratch: 20,000 x 2,000 takes 0.3-0.5 s a solve and
    1.3-2.3 s in all, of which 70-80 % is solving. The 4 rounds are how long prices take to
    settle, not a shortage of pairs: adding up to 16 pairs per mentee a round, or every pair
    within 4 points of breaking the dual, still took 4; a first shortlist ranked by the final
    prices themselves took 3 (ties leave the right pairs out). Tried and dropped: warm-starting
    by cancelling negative cycles of the residual graph (slower than a fresh solve); costs
    reduced by the previous round's dual (10 % faster at best); a forward auction for initial
    prices; prices from a solved quarter or half sample of the mentees (3-4 rounds on the whole
    problem all the same); dropping pairs with a large reduced cost from later solves, or
    stabilising the dual between rounds (more rounds, no faster); each mentor's best mentees
    added to the first shortlist; re-solving only the mentees near the new pairs (the improving
    cycles reach further, so the proof failed); jitter of a whole unit or more (the proof
    failed in most rounds).
"""

from __future__ import annotations

import heapq
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]
from scipy import sparse  # type: ignore[import-untyped]  # scipy ships no type stubs

# Seniority on one scale for both vocabularies (profile.MENTEE_STAGES, profile.MENTOR_STAGES).
# A senior trainee stands level with residents, so the rule "a mentor must be more senior"
# lets them mentor students and interns only; practising doctors outrank every trainee.
STAGE_RANK: dict[str, int] = {
    "student_early": 0,
    "student_late": 1,
    "intern": 2,
    "resident": 3,
    "senior_trainee": 3,
    "fellow": 4,
    "years_0_5": 5,
    "years_5_10": 6,
    "years_10_20": 7,
    "years_20_plus": 8,
}
# A step or two ahead is the best fit: near enough to remember the stage, far enough to guide.
IDEAL_STAGE_GAP = 2
# Places beyond this earn no further bonus: a mentor with 8 places is not 8 times as free.
PLACES_BONUS_LIMIT = 5
DEFAULT_SHORTLIST = 4
WEIGHT_LIMIT = 1000

# Hard-constraint failures (``check``) and why a mentee stayed unmatched (``BatchResult``).
SAME_PERSON = "same_person"
UNAVAILABLE = "unavailable"
NO_CAPACITY = "no_capacity"
EXCLUDED = "excluded"
PREVIOUS_PAIR = "previous_pair"
NO_COMMON_LANGUAGE = "no_common_language"
STAGE_RULE = "stage_rule"
NO_MENTORS = "no_mentors"
ALL_EXCLUDED = "all_excluded"
POOR_FIT = "poor_fit"

Param = str | int | float | tuple[str, ...]
_T = TypeVar("_T")
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class Candidate:
    """One person as matching sees them; the caller builds it from the stored profile.

    Attributes:
        person_id: The person's id.
        field: Field or specialty (a ``profile.FIELDS`` key or free text); None if unknown.
        stage: A ``profile.MENTEE_STAGES`` or ``profile.MENTOR_STAGES`` key; None if unknown.
        interests: ``profile.INTERESTS`` keys.
        languages: Languages the person speaks (``profile.SPOKEN_LANGUAGES`` keys).
        utc_offset_hours: UTC offset of the person's timezone now, e.g. -5.0 or 5.5 (from
            ``timezones.local_time(zone, now).utcoffset()``).
        capacity_left: Mentors: places left (capacity minus active pairs). Unused for mentees.
        available: Mentors: neither away nor paused. Unused for mentees, whom the caller
            passes only when they want a mentor.
    """

    person_id: int
    field: str | None = None
    stage: str | None = None
    interests: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    utc_offset_hours: float = 0.0
    capacity_left: int = 0
    available: bool = True


@dataclass(frozen=True)
class Weights:
    """How much each preference counts; a programme may override any of them.

    The defaults rank a shared field above two shared interests, treat up to 3 hours apart
    as free and cost little per hour beyond, and keep the places bonus below one shared
    interest so it only breaks near-ties. ``common_language`` is the base every workable pair
    starts from; it exceeds the worst possible penalties (9 h beyond tolerance x 0.5 plus a
    6-rank stage mismatch x 0.5 = 7.5), so with these defaults every feasible pair scores
    above 0 and the batch pairs every mentee it can.

    Attributes:
        common_language: Points for any pair that shares a language (always, when feasible).
        field: Points for the same field or specialty.
        interest: Points per shared interest, for at most ``interest_cap`` of them.
        interest_cap: How many shared interests count.
        timezone: Penalty per hour apart beyond ``timezone_tolerance``.
        timezone_tolerance: Hours apart that cost nothing.
        stage_gap: Penalty per rank the seniority gap strays from ``IDEAL_STAGE_GAP``.
        stage_unknown: Penalty when either stage is missing (allowed, but a guess).
        capacity: Points per place the mentor has left, up to ``PLACES_BONUS_LIMIT``.
    """

    common_language: float = 10.0
    field: float = 6.0
    interest: float = 2.0
    interest_cap: int = 3
    timezone: float = 0.5
    timezone_tolerance: float = 3.0
    stage_gap: float = 0.5
    stage_unknown: float = 1.5
    capacity: float = 0.2

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"matching weight {item.name!r} must be a number")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"matching weight {item.name!r} must be finite and >= 0")
            if value > WEIGHT_LIMIT:  # far past any sensible weight; keeps sums in int64
                raise ValueError(f"matching weight {item.name!r} must be at most {WEIGHT_LIMIT}")
        if not isinstance(self.interest_cap, int):
            raise ValueError("matching weight 'interest_cap' must be a whole number")

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> Weights:
        """Defaults overridden by a programme's matching settings.

        Args:
            settings: Partial overrides, e.g. ``{"field": 8, "timezone": 1}``; keys that are
                not weights are ignored, so the programme's matching settings may hold more.

        Returns:
            The weights.

        Raises:
            ValueError: A known key holds something other than a number from 0 to 1000.
        """
        known = {item.name for item in fields(cls)}
        overrides: dict[str, Any] = {}
        for key, value in settings.items():
            if key not in known:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"matching weight {key!r} must be a number")
            if key == "interest_cap":
                if not float(value).is_integer():
                    raise ValueError("matching weight 'interest_cap' must be a whole number")
                overrides[key] = int(value)
            else:
                overrides[key] = float(value)
        return cls(**overrides)


@dataclass(frozen=True)
class Constraints:
    """Per-pair rules a coordinator or the history imposes.

    Attributes:
        excluded: ``(mentor_id, mentee_id)`` pairs a coordinator ruled out.
        previous: ``(mentor_id, mentee_id)`` pairs that already existed and ended.
        allow_previous: Let previous pairs form again (a coordinator insists).
    """

    excluded: frozenset[tuple[int, int]] = frozenset()
    previous: frozenset[tuple[int, int]] = frozenset()
    allow_previous: bool = False

    def banned(self) -> frozenset[tuple[int, int]]:
        """All ``(mentor_id, mentee_id)`` pairs that may not form."""
        return self.excluded if self.allow_previous else self.excluded | self.previous


DEFAULT_WEIGHTS = Weights()
NO_CONSTRAINTS = Constraints()


@dataclass(frozen=True, slots=True)
class Reason:
    """One part of a score, for the message catalogs to put in words.

    Attributes:
        code: ``same_field`` {field}, ``languages`` {languages}, ``interests`` {interests},
            ``hours_apart`` {hours}, ``stages`` {mentor, mentee}, ``stage_unknown`` {},
            ``places_left`` {places}.
        params: Values for the message, e.g. ``{"hours": 3}``.
        points: What this part added to the score (negative for a penalty).
    """

    code: str
    params: dict[str, Param] = field(default_factory=dict)
    points: float = 0.0


@dataclass(frozen=True, slots=True)
class Score:
    """A pair's compatibility: the total and the reasons it is made of, most telling first."""

    value: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class MatchedPair:
    """A pair chosen by batch matching."""

    mentor_id: int
    mentee_id: int
    score: Score


@dataclass(frozen=True)
class BatchResult:
    """The batch assignment.

    Attributes:
        pairs: The pairs, by mentee id.
        unmatched: Mentee id -> why nobody was found: ``no_mentors`` (no mentor available
            with places), ``no_common_language``, ``stage_rule`` (the mentors they can talk to
            are not senior enough), ``all_excluded`` (the rest are excluded or previous pairs),
            ``poor_fit`` (every remaining pair scores 0 or less), or ``no_capacity`` (suitable
            mentors exist, but their places serve the programme better with other mentees).
        total_score: Sum of the pairs' scores.
    """

    pairs: tuple[MatchedPair, ...]
    unmatched: dict[int, str]
    total_score: float


# --- one pair ---------------------------------------------------------------------------


def may_mentor(mentor_stage: str | None, mentee_stage: str | None) -> bool:
    """Peer-mentoring rule: a mentor must be more senior than the mentee.

    Senior trainees therefore mentor students and interns only, and practising doctors
    mentor anyone. A missing or unknown stage never blocks a pair (it scores lower instead).
    """
    mentor_rank, mentee_rank = (
        STAGE_RANK.get(mentor_stage or ""),
        STAGE_RANK.get(mentee_stage or ""),
    )
    return mentor_rank is None or mentee_rank is None or mentor_rank > mentee_rank


def check(
    mentor: Candidate, mentee: Candidate, constraints: Constraints = NO_CONSTRAINTS
) -> str | None:
    """The first hard constraint the pair breaks, or None when it may form.

    Returns:
        None, or one of ``same_person``, ``unavailable``, ``no_capacity``, ``excluded``,
        ``previous_pair``, ``no_common_language``, ``stage_rule``.
    """
    pair = (mentor.person_id, mentee.person_id)
    if mentor.person_id == mentee.person_id:
        return SAME_PERSON
    if not mentor.available:
        return UNAVAILABLE
    if mentor.capacity_left <= 0:
        return NO_CAPACITY
    if pair in constraints.excluded:
        return EXCLUDED
    if pair in constraints.previous and not constraints.allow_previous:
        return PREVIOUS_PAIR
    return profile_rule(mentor.languages, mentee.languages, mentor.stage, mentee.stage)


def profile_rule(
    mentor_languages: Iterable[str],
    mentee_languages: Iterable[str],
    mentor_stage: str | None,
    mentee_stage: str | None,
) -> str | None:
    """The hard rule the two profiles break, whoever asks for the pair, or None.

    Returns:
        None, ``no_common_language`` or ``stage_rule`` (``may_mentor``).
    """
    if not set(mentor_languages) & set(mentee_languages):
        return NO_COMMON_LANGUAGE
    if not may_mentor(mentor_stage, mentee_stage):
        return STAGE_RULE
    return None


def hours_apart(offset_a: float, offset_b: float) -> float:
    """Difference between two wall clocks in hours, going round the day (UTC-11 vs +13: 0)."""
    apart = abs(float(offset_a) - float(offset_b)) % 24.0
    return min(apart, 24.0 - apart)


def score(
    mentor: Candidate,
    mentee: Candidate,
    weights: Weights = DEFAULT_WEIGHTS,
    constraints: Constraints = NO_CONSTRAINTS,
) -> Score | None:
    """How well a mentor suits a mentee, with the reasons; None when the pair may not form."""
    if check(mentor, mentee, constraints) is not None:
        return None
    reasons: list[Reason] = []
    if mentor.field is not None and _field_key(mentor.field) == _field_key(mentee.field):
        reasons.append(_reason("same_field", (("field", mentor.field),), weights.field))
    common = tuple(sorted(mentor.languages & mentee.languages))
    reasons.append(_reason("languages", (("languages", common),), weights.common_language))
    shared = tuple(sorted(mentor.interests & mentee.interests))
    if shared:
        points = _interest_points(len(shared), weights)
        reasons.append(_reason("interests", (("interests", shared),), points))
    hours = hours_apart(mentor.utc_offset_hours, mentee.utc_offset_hours)
    points = _timezone_points(hours, weights)
    reasons.append(_reason("hours_apart", (("hours", _plain(hours)),), points))
    mentor_rank, mentee_rank = (
        STAGE_RANK.get(mentor.stage or ""),
        STAGE_RANK.get(mentee.stage or ""),
    )
    if mentor_rank is None or mentee_rank is None:
        reasons.append(_reason("stage_unknown", (), -weights.stage_unknown))
    else:
        stages = (("mentor", mentor.stage or ""), ("mentee", mentee.stage or ""))
        points = _stage_points(mentor_rank, mentee_rank, weights)
        reasons.append(_reason("stages", stages, points))
    places = mentor.capacity_left
    reasons.append(_reason("places_left", (("places", places),), _places_points(places, weights)))
    return Score(math.fsum(reason.points for reason in reasons), tuple(reasons))


@lru_cache(maxsize=4096)
def _reason(code: str, params: tuple[tuple[str, Param], ...], points: float) -> Reason:
    """One shared ``Reason`` per distinct part and value (never changed once made).

    A batch explains thousands of pairs with a few hundred distinct parts; sharing them keeps
    the garbage collector from walking a growing heap (it took two thirds of the time it took
    to explain 20,000 pairs).
    """
    return Reason(code, dict(params), points)


def suggest(
    mentee: Candidate,
    mentors: Iterable[Candidate],
    weights: Weights = DEFAULT_WEIGHTS,
    constraints: Constraints = NO_CONSTRAINTS,
    limit: int = 3,
) -> list[tuple[int, Score]]:
    """The best mentors for one mentee to choose from, best first.

    Ties go to the mentor with more places left, then to the lower id, so the list is stable.

    Returns:
        Up to ``limit`` ``(mentor_id, score)``, feasible pairs only.
    """
    scored = [(m, s) for m in mentors if (s := score(m, mentee, weights, constraints)) is not None]
    best = heapq.nsmallest(
        limit, scored, key=lambda item: (-item[1].value, -item[0].capacity_left, item[0].person_id)
    )
    return [(mentor.person_id, mentor_score) for mentor, mentor_score in best]


def _field_key(value: str | None) -> str | None:
    # Free-text fields typed by two people match regardless of case.
    return value.casefold() if value is not None else None


def _plain(hours: float) -> int | float:
    return int(hours) if hours.is_integer() else hours


def _interest_points(shared: int, weights: Weights) -> float:
    return weights.interest * min(shared, weights.interest_cap)


def _timezone_points(hours: float, weights: Weights) -> float:
    return -weights.timezone * max(0.0, hours - weights.timezone_tolerance)


def _stage_points(mentor_rank: int, mentee_rank: int, weights: Weights) -> float:
    return -weights.stage_gap * abs(mentor_rank - mentee_rank - IDEAL_STAGE_GAP)


def _places_points(places: int, weights: Weights) -> float:
    return weights.capacity * min(places, PLACES_BONUS_LIMIT)


# --- many pairs at once -----------------------------------------------------------------

_NO_STAGE = max(STAGE_RANK.values()) + 1  # stage code for a missing or unknown stage
_BLOCK_CELLS = 1 << 21  # pairs scored per block: ~16 MB of float64, plus a few temporaries
# The solver and the optimality proof work in whole units of a point, so every sum is exact
# in float64 (below 2**53) and int64. When the weights and the timezone offsets allow it
# (``_exact_units``), a unit is small enough that every score is a whole number of units and
# the optimum is exact; otherwise a unit is a nano-point and totals stay within n nano-points
# of the float optimum. Smaller numbers also make cost scaling take fewer phases (about 30 %
# faster). Half a unit separates "equal" from "better".
_UNITS = 1e9
_GRIDS = (4.0, 40.0, 400.0, 4_000.0, 40_000.0, 400_000.0, 4_000_000.0)
_TOLERANCE = 0.5
_CORES = os.cpu_count() or 1
_GREEDY_CHOICES = 16
# Column generation also adds pairs this close to breaking the dual (score units), which
# cut the benchmark's rounds from 8 to 5; larger values add too many pairs per solve.
_NEAR = 0.5  # points
# Tie-breaking in the solver (``_optimum``): up to half a unit, in 128ths of a unit.
_JITTER_SCALE = 128
_JITTER = 64
_JITTER_SEED = 20240611
# First-round pairs among mentors the shortlists leave under-demanded (``_shortlist``).
_SPARE_DEMAND = 2
_SPARE_PAIRS = 6
# Bellman-Ford rounds after which ``_duals`` starts looking for a negative cycle; settling
# an optimal assignment's prices took 16 to 46 rounds on the benchmark.
_SETTLED_ROUNDS = 64


def match_batch(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    weights: Weights = DEFAULT_WEIGHTS,
    constraints: Constraints = NO_CONSTRAINTS,
    *,
    shortlist: int = DEFAULT_SHORTLIST,
) -> BatchResult:
    """The assignment with the largest total score over all feasible pairs.

    Args:
        mentors: Mentors with their places left; those unavailable or full are skipped.
        mentees: Mentees who need a mentor.
        weights: The programme's weights.
        constraints: Exclusions and previous pairs.
        shortlist: Mentors per mentee handed to the solver in the first round (plus a few
            among under-demanded mentors, ``_shortlist``). It trades solver time against
            rounds of column generation, never optimality.

    Returns:
        The pairs, why each other mentee stayed unmatched, and the total score.

    Raises:
        ValueError: A person id appears twice on the same side, or ``shortlist`` < 1.
    """
    if shortlist < 1:
        raise ValueError("shortlist must be at least 1")
    scorer = _Scorer(mentors, mentees, weights, constraints)
    n = len(scorer.mentees)
    edges, left_out = _shortlist(scorer, shortlist)
    # Per mentee, an upper bound on its best left-out score minus that mentor's price: exact
    # for the rows scored last round, raised by the largest price drop since for the others.
    bound = left_out.copy()
    prices_then = np.zeros(len(scorer.places))
    while True:
        assigned, mentee_share, mentor_price = _optimum(n, edges, scorer.places)
        if len(mentor_price):
            bound += max(0.0, float((prices_then - mentor_price).max()))
            prices_then = mentor_price
        # A left-out pair can only break the dual when the mentee's share is below its best
        # left-out score minus the cheapest price, and below the bound; only those rows are
        # scored again (in later rounds few are, as prices mostly rise).
        floor = mentor_price.min() if len(mentor_price) else 0.0
        doubtful = np.flatnonzero(np.minimum(left_out - floor, bound) > mentee_share + _TOLERANCE)
        added = _violations(scorer, doubtful, edges, mentee_share, mentor_price, shortlist)
        if added is None:
            return _result(scorer, assigned)
        new_edges, left_out[doubtful], bound[doubtful] = added
        edges = _Edges.concat(edges, new_edges)


def greedy_batch(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    weights: Weights = DEFAULT_WEIGHTS,
    constraints: Constraints = NO_CONSTRAINTS,
) -> BatchResult:
    """Best remaining pair first, never revisited.

    Not for matching anyone: the tests and the benchmark use it as the baseline that
    ``match_batch`` must equal or beat (greedy can block two good pairs with one).
    """
    scorer = _Scorer(mentors, mentees, weights, constraints)
    places = scorer.places.copy()
    assigned = np.full(len(scorer.mentees), -1, dtype=np.intp)
    # Each mentee's best few pairs, and whether more are left to look at once they run out.
    choices: dict[int, tuple[list[tuple[float, int]], bool]] = {}
    queue: list[tuple[float, int, int]] = []  # (-score, row, position in the row's choices)

    def offer(row: int, line: FloatArray) -> None:
        choices[row] = _ranked(line, _GREEDY_CHOICES)
        if choices[row][0]:
            heapq.heappush(queue, (-choices[row][0][0][0], row, 0))

    for rows in _blocks(np.arange(len(scorer.mentees)), len(scorer.mentors)):
        for row, line in zip(rows.tolist(), scorer.scores(rows), strict=True):
            offer(row, line)
    while queue:
        _, row, position = heapq.heappop(queue)
        ranked, more = choices[row]
        column = ranked[position][1]
        if places[column] > 0:
            assigned[row] = column
            places[column] -= 1
        elif position + 1 < len(ranked):
            heapq.heappush(queue, (-ranked[position + 1][0], row, position + 1))
        elif more:
            line = scorer.scores(np.array([row]))[0]
            line[places == 0] = -np.inf
            offer(row, line)
    return _result(scorer, assigned)


def _ranked(line: FloatArray, limit: int) -> tuple[list[tuple[float, int]], bool]:
    """A mentee's best positive pairs as (score, column), best first; True if more exist."""
    columns = np.flatnonzero(line > 0)
    more = len(columns) > limit
    if more:
        columns = columns[np.argpartition(-line[columns], limit - 1)[:limit]]
    order = np.lexsort((columns, -line[columns]))
    return list(zip(line[columns[order]].tolist(), columns[order].tolist(), strict=True)), more


@dataclass(frozen=True)
class _Edges:
    """Candidate pairs as parallel arrays: mentee row, mentor column, score in whole units."""

    rows: IntArray
    columns: IntArray
    scores: FloatArray

    @staticmethod
    def concat(*parts: _Edges) -> _Edges:
        return _Edges(
            np.concatenate([p.rows for p in parts]),
            np.concatenate([p.columns for p in parts]),
            np.concatenate([p.scores for p in parts]),
        )


@dataclass(frozen=True)
class _Parts:
    """A score's parts as lookup tables: in points (float) or in whole units (integers).

    Attributes:
        pairs: By (mentee class, mentor class): timezone and stage points, ``forbidden`` where
            the stage rule forbids the pair.
        mentors: By mentor: the common-language base and the places bonus.
        field: Points for the same field.
        interest: Points per shared interest (up to the cap).
        forbidden: The mark of a pair that may not form (-inf, or a very negative integer).
        floor: Integers only: sums below this carry the stage rule's mark.
    """

    pairs: NDArray[Any]
    mentors: NDArray[Any]
    field: Any
    interest: Any
    forbidden: float | int
    floor: int | None


class _Scorer:
    """Both sides as arrays, so a block of the score matrix takes a few numpy operations.

    Rows are the mentees; columns are the mentors open to new mentees (available, places left).
    """

    def __init__(
        self,
        mentors: Sequence[Candidate],
        mentees: Sequence[Candidate],
        weights: Weights,
        constraints: Constraints,
    ) -> None:
        for side in (mentors, mentees):
            if len({c.person_id for c in side}) != len(side):
                raise ValueError("a person appears twice on the same side of the batch")
        self.mentors = [m for m in mentors if m.available and m.capacity_left > 0]
        self.mentees = list(mentees)
        self.places = np.array([m.capacity_left for m in self.mentors], dtype=np.intp)
        self.weights = weights
        offsets = {c.utc_offset_hours for side in (self.mentors, self.mentees) for c in side}
        self.unit = _exact_units(weights, offsets)
        self.constraints = constraints
        self._matrix: NDArray[np.signedinteger[Any]] | None = None
        self.forbidden = 0  # the matrix's mark for a pair that may not form, set by ``matrix``
        self.field_points = weights.field
        self.mentor_points = np.array(
            [
                weights.common_language + _places_points(m.capacity_left, weights)
                for m in self.mentors
            ]
        )
        # Shared interests count linearly up to the cap (``_interest_points``); 64 at most.
        self.interest_cap = min(weights.interest_cap, 64)

        # Fields: equal ids mean the same field; unknown on either side never matches.
        ids: dict[str | None, int] = {}
        for m in self.mentors:
            if m.field is not None:
                ids.setdefault(_field_key(m.field), len(ids))
        kind = np.min_scalar_type(-len(ids) - 2)  # small: the matrix compares every pair
        self.mentor_field = np.array(
            [ids.get(_field_key(m.field), -1) for m in self.mentors], dtype=kind
        )
        self.mentee_field = np.array(
            [ids.get(_field_key(e.field), -2) for e in self.mentees], dtype=kind
        )

        self.mentor_languages, self.mentee_languages = _bitmasks(
            [m.languages for m in self.mentors], [e.languages for e in self.mentees]
        )
        self.mentor_interests, self.mentee_interests = _bitmasks(
            [m.interests for m in self.mentors], [e.interests for e in self.mentees]
        )

        # Timezone and stage points depend on few distinct values (offsets come from
        # timezones), so both come from one table indexed by (offset, stage) classes, with
        # -inf where the stage rule forbids the pair.
        stages = _NO_STAGE + 1
        self.stage_points = np.array(
            [
                [_class_stage_points(mentor, mentee, weights) for mentor in range(stages)]
                for mentee in range(stages)
            ]
        )
        self.mentor_stage = np.array([_stage_code(m.stage) for m in self.mentors], dtype=np.intp)
        self.mentee_stage = np.array([_stage_code(e.stage) for e in self.mentees], dtype=np.intp)
        mentor_offsets, mentor_offset = np.unique(
            np.array([m.utc_offset_hours for m in self.mentors], dtype=float), return_inverse=True
        )
        mentee_offsets, mentee_offset = np.unique(
            np.array([e.utc_offset_hours for e in self.mentees], dtype=float), return_inverse=True
        )
        apart = np.abs(mentee_offsets[:, None] - mentor_offsets) % 24.0  # as in hours_apart
        apart = np.minimum(apart, 24.0 - apart)
        hour_points = -weights.timezone * np.maximum(0.0, apart - weights.timezone_tolerance)
        self.pair_points = (
            hour_points[:, None, :, None] + self.stage_points[None, :, None, :]
        ).reshape(len(mentee_offsets) * stages, len(mentor_offsets) * stages)
        self.mentor_class = mentor_offset * stages + self.mentor_stage
        self.mentee_class = mentee_offset * stages + self.mentee_stage

        column = {m.person_id: j for j, m in enumerate(self.mentors)}
        row = {e.person_id: i for i, e in enumerate(self.mentees)}
        banned: dict[int, list[int]] = {}
        for mentor_id, mentee_id in constraints.banned():
            if mentor_id in column and mentee_id in row:
                banned.setdefault(row[mentee_id], []).append(column[mentor_id])
        for person_id in column.keys() & row.keys():  # peer mentors who also need a mentor
            banned.setdefault(row[person_id], []).append(column[person_id])
        self.bans = {r: np.array(cols, dtype=np.intp) for r, cols in banned.items()}
        self.has_bans = np.zeros(len(self.mentees), dtype=bool)
        self.has_bans[list(banned)] = True
        self._points = _Parts(
            self.pair_points, self.mentor_points, self.field_points, weights.interest,
            forbidden=-np.inf, floor=None,
        )  # fmt: skip

    def scores(self, rows: IntArray) -> FloatArray:
        """Scores of these mentees with every open mentor; -inf where a pair may not form."""
        return self._combine(rows, self._points)

    def units(self, rows: IntArray) -> FloatArray:
        """``scores`` in whole units (integral float64; -inf stays -inf), read from ``matrix``."""
        return _as_float(self.matrix()[rows], self.forbidden)

    def matrix(self) -> NDArray[np.signedinteger]:
        """Every pair's score in whole units, scored once; ``forbidden`` where none may form.

        Column generation reads rows again every round, and scoring them again cost more than
        the solver. The parts are whole numbers of units (``_exact_units``), so they add up
        exactly in the narrowest integer type that leaves room for the sums the rounds make
        (int16 with the default weights: 80 MB for 20,000 x 2,000 pairs, ~6 ms a pass).
        """
        if self._matrix is None:
            parts = self._whole_units()
            matrix: NDArray[np.signedinteger[Any]] = np.empty(
                (len(self.mentees), len(self.mentors)), dtype=parts.pairs.dtype
            )

            def work(rows: IntArray) -> None:
                matrix[rows] = self._combine(rows, parts)

            _each_block(work, np.arange(len(self.mentees)), len(self.mentors))
            self._matrix, self.forbidden = matrix, int(parts.forbidden)
        return self._matrix

    def _combine(self, rows: IntArray, parts: _Parts) -> NDArray[Any]:
        # Masks times values and putmask: 3-4 times faster than np.add(where=), table look-ups
        # and boolean-index assignment on these arrays.
        block = np.take(parts.pairs[self.mentee_class[rows]], self.mentor_class, axis=1)
        block += parts.mentors
        block += (self.mentee_field[rows, None] == self.mentor_field) * parts.field
        shared = np.bitwise_count(self.mentee_interests[rows, None] & self.mentor_interests)
        np.minimum(shared, self.interest_cap, out=shared)
        block += shared * parts.interest
        if parts.floor is not None:  # the stage rule's mark only grew by the other parts
            np.putmask(block, block < parts.floor, parts.forbidden)
        talk = self.mentee_languages[rows, None] & self.mentor_languages
        np.putmask(block, talk == 0, parts.forbidden)
        for k in np.flatnonzero(self.has_bans[rows]):
            block[k, self.bans[int(rows[k])]] = parts.forbidden
        return block

    def _whole_units(self) -> _Parts:
        """The parts in whole units, in an integer type with room to spare.

        Every feasible score lies within ``reach`` of 0 and ``forbidden`` is ``-4 * reach``, a
        quarter of the type's range: a score minus a price and a share (each within ``reach``)
        stays in range, and anything forbidden stays below anything allowed.
        """
        finite = self._points.pairs[np.isfinite(self._points.pairs)]
        low = high = 0.0
        if len(finite) and len(self.mentors):
            low = self.mentor_points.min() + finite.min()
            high = (
                self.mentor_points.max() + self.weights.interest * self.interest_cap + finite.max()
            )
        each = max(self.field_points, self.weights.interest * max(self.interest_cap, 1))
        largest = max(abs(low), abs(high) + self.field_points, each) * self.unit + 2
        dtype: type[np.signedinteger[Any]] = next(
            t for t in (np.int16, np.int32, np.int64) if largest < np.iinfo(t).max // 8
        )
        reach = np.iinfo(dtype).max // 8
        forbidden = -4 * reach

        def whole(points: FloatArray) -> NDArray[np.signedinteger[Any]]:
            units = np.rint(np.where(np.isfinite(points), points * self.unit, 0.0))
            return np.where(np.isfinite(points), units, forbidden).astype(dtype)

        return _Parts(
            pairs=whole(self._points.pairs),
            mentors=whole(self._points.mentors),
            field=dtype(round(self.field_points * self.unit)),
            interest=dtype(round(self.weights.interest * self.unit)),
            forbidden=forbidden,
            floor=-reach,
        )

    def why_unmatched(self, rows: IntArray) -> list[str]:
        """For mentees left unmatched: the first filter that left them without a mentor."""
        if not self.mentors:
            return [NO_MENTORS] * len(rows)
        codes = [NO_COMMON_LANGUAGE, STAGE_RULE, ALL_EXCLUDED, POOR_FIT]

        def work(block_rows: IntArray) -> list[str]:
            talk = (self.mentee_languages[block_rows, None] & self.mentor_languages) != 0
            stage_ok = np.isfinite(
                self.stage_points[self.mentee_stage[block_rows, None], self.mentor_stage]
            )
            block = self.scores(block_rows)
            conditions = [
                ~talk.any(axis=1),
                ~(talk & stage_ok).any(axis=1),
                ~np.isfinite(block).any(axis=1),
                block.max(axis=1) <= 0,
            ]
            return list(np.select(conditions, codes, NO_CAPACITY).tolist())

        return [code for part in _each_block(work, rows, len(self.mentors)) for code in part]


def _exact_units(weights: Weights, offsets: Iterable[float]) -> float:
    """Units per point in which every possible score is a whole number, or ``_UNITS``.

    A score adds weights times whole numbers (shared interests, stage ranks, places) and
    ``timezone * (hours apart - tolerance)``, where hours apart are quarter hours when every
    offset is; so a grid fits when it makes each weight, a quarter of the timezone weight and
    the timezone weight times its tolerance whole.
    """
    if not all(_whole(offset * 4) for offset in offsets):
        return _UNITS
    values = [float(getattr(weights, item.name)) for item in fields(weights)]
    for grid in _GRIDS:
        if (
            all(_whole(v * grid) for v in values)
            and _whole(weights.timezone * grid / 4)
            and _whole(weights.timezone * weights.timezone_tolerance * grid)
        ):
            return grid
    return _UNITS


def _whole(value: float) -> bool:
    return abs(value - round(value)) < 1e-9 * max(1.0, abs(value))


def _stage_code(stage: str | None) -> int:
    return STAGE_RANK.get(stage or "", _NO_STAGE)


def _class_stage_points(mentor: int, mentee: int, weights: Weights) -> float:
    if mentor == _NO_STAGE or mentee == _NO_STAGE:
        return -weights.stage_unknown
    if mentor <= mentee:
        return -math.inf
    return _stage_points(mentor, mentee, weights)


def _bitmasks(
    mentor_sets: Sequence[frozenset[str]], mentee_sets: Sequence[frozenset[str]]
) -> tuple[NDArray[np.unsignedinteger], NDArray[np.unsignedinteger]]:
    """One bit per value some mentor has; a mentee's other values can never be shared."""
    bit = {value: 1 << i for i, value in enumerate(sorted(set().union(*mentor_sets)))}
    if len(bit) > 64:
        raise ValueError("more than 64 distinct languages or interests among mentors")
    dtype = np.min_scalar_type((1 << len(bit)) - 1) if bit else np.uint8

    def masks(sets: Sequence[frozenset[str]]) -> NDArray[np.unsignedinteger]:
        return np.array([sum(bit.get(v, 0) for v in values) for values in sets], dtype=dtype)

    return masks(mentor_sets), masks(mentee_sets)


def _blocks(rows: IntArray, columns: int) -> list[IntArray]:
    """Rows in blocks of at most about ``_BLOCK_CELLS`` pairs, in whole rounds of cores."""
    count = math.ceil(len(rows) * max(1, columns) / _BLOCK_CELLS)
    if count > 1:
        count = math.ceil(count / _CORES) * _CORES
    return list(np.array_split(rows, min(count, len(rows)))) if len(rows) else []


def _each_block(work: Callable[[IntArray], _T], rows: IntArray, columns: int) -> list[_T]:
    """``work`` on each block of rows, on every core (numpy lets go of the GIL meanwhile)."""
    blocks = _blocks(rows, columns)
    if len(blocks) < 2:
        return [work(block) for block in blocks]
    with ThreadPoolExecutor(min(len(blocks), _CORES)) as pool:
        return list(pool.map(work, blocks))


def _shortlist(scorer: _Scorer, size: int) -> tuple[_Edges, FloatArray]:
    """Each mentee's pairs for the first solve, and its best score left out (-inf if none).

    A mentee's ``size`` best pairs crowd onto the popular mentors, and the mentees who lose
    them would stay unmatched in the first solve, pushing those mentors' prices up to their
    own scores and sending the next round the wrong way. So each mentee also gets its
    ``_SPARE_PAIRS`` best pairs among the mentors the shortlists leave under-demanded (wanted
    by fewer than ``_SPARE_DEMAND`` times their places): on the benchmark the first solve
    then leaves ~2 % unmatched instead of ~25 %, and the rounds drop from 5-6 to 4.
    """
    matrix = scorer.matrix()
    n, m = matrix.shape

    def best(rows: IntArray) -> tuple[_Edges, FloatArray]:
        block = matrix[rows]
        columns, values = _best(block, min(size + 1, m), scorer.forbidden)
        left_out = np.full(len(rows), -np.inf)
        if m > size:  # the last one taken is the best one left out
            left_out = _as_float(values[:, size], scorer.forbidden)
            columns, values = columns[:, :size], values[:, :size]
        return _worth(rows, columns, values), left_out

    parts = _each_block(best, np.arange(n), m)
    edges = _Edges.concat(_no_edges(), *(found for found, _ in parts))
    left_out = np.concatenate([np.zeros(0), *(left for _, left in parts)])
    spare = np.flatnonzero(np.bincount(edges.columns, minlength=m) < _SPARE_DEMAND * scorer.places)
    if len(spare) == 0:
        return edges, left_out
    kept = _kept(edges, (n, m))

    def more(rows: IntArray) -> _Edges:
        block = matrix[rows]
        _take_out(block, rows, kept, scorer.forbidden)
        block = block[:, spare]
        columns, values = _best(block, min(_SPARE_PAIRS, len(spare)), scorer.forbidden)
        return _worth(rows, spare[columns], values)

    return _Edges.concat(edges, *_each_block(more, np.arange(n), len(spare))), left_out


def _worth(rows: IntArray, columns: IntArray, values: NDArray[Any]) -> _Edges:
    """The pairs among these picks worth making (score above 0), as edges."""
    worth = values > 0
    return _Edges(rows[np.nonzero(worth)[0]], columns[worth], values[worth].astype(np.float64))


def _kept(edges: _Edges, shape: tuple[int, int]) -> sparse.csr_array:
    """The edges as a sparse mentee x mentor matrix, to find each row's edges fast."""
    data = np.ones(len(edges.rows), dtype=bool)
    return sparse.csr_array((data, (edges.rows, edges.columns)), shape=shape)


def _take_out(block: NDArray[Any], rows: IntArray, kept: sparse.csr_array, forbidden: int) -> None:
    """Mark the pairs that are already edges as ``forbidden`` in this block of rows."""
    mine = kept[rows]
    block[np.repeat(np.arange(len(rows)), np.diff(mine.indptr)), mine.indices] = forbidden


def _best(block: NDArray[Any], count: int, forbidden: int) -> tuple[IntArray, NDArray[Any]]:
    """Column and value of each row's ``count`` largest entries, largest first.

    Takes them out of ``block`` (sets them to ``forbidden``) as it goes: a few whole-row
    argmax passes over small integers are ~20 times faster than ``argpartition``. A row with
    fewer allowed entries than ``count`` ends in ``forbidden`` values.
    """
    at = np.arange(len(block))
    columns = np.zeros((len(block), count), dtype=np.intp)
    values = np.zeros((len(block), count), dtype=block.dtype)
    for k in range(count):
        columns[:, k] = block.argmax(axis=1)
        values[:, k] = block[at, columns[:, k]]
        block[at, columns[:, k]] = forbidden
    return columns, values


def _as_float(values: NDArray[Any], forbidden: int) -> FloatArray:
    """Whole units as float64, with -inf for ``forbidden`` (or anything below it)."""
    return np.where(values <= forbidden, -np.inf, values.astype(np.float64))


def _no_edges() -> _Edges:
    return _Edges(np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), np.zeros(0))


def _optimum(n: int, edges: _Edges, places: IntArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """The best assignment over these edges, with the dual that proves it (``_duals``).

    The solver first sees every pair's score less a fixed pseudo-random fraction of a unit
    (at most half, ``_JITTER``): scores on a coarse grid of points tie a lot, and cost
    scaling spends most of its time among ties (breaking them made the benchmark's solves
    2-3 times faster). Fractions on several pairs can still add up to tip a choice, so the
    proof uses the true scores; when it shows the jittered answer is not the best, the edges
    are solved again with other fractions, and then exactly. On the benchmark no solve out
    of 70 needed a second try; with whole-unit fractions one in twelve did.
    """
    for jitter in (0, 1, None):
        assigned = _solve(n, edges, places, jitter)
        duals = _duals(n, edges, assigned, places)
        if duals is not None:
            return assigned, *duals
    raise RuntimeError("batch matching found no optimality certificate")


def _solve(n: int, edges: _Edges, places: IntArray, jitter: int | None = None) -> IntArray:
    """Mentor column per mentee (-1: unmatched) with the largest total over these edges.

    A min-cost flow (OR-Tools' cost-scaling solver): one unit from each mentee either
    through a pair arc (cost ``-score``) and its mentor (capacity: places left) to the sink,
    or straight to the sink at cost 0 (unmatched). No node per place is needed, unlike an
    assignment solver, so the network stays as small as the shortlist. With a ``jitter``
    seed, costs are in ``1 / _JITTER_SCALE`` units, each pair's raised by a pseudo-random
    0 to ``_JITTER`` of them.
    """
    assigned = np.full(n, -1, dtype=np.intp)
    if len(edges.rows) == 0:
        return assigned
    m = len(places)
    sink = n + m

    costs = -edges.scores.astype(np.int64)
    # The solver multiplies costs by about the number of nodes: that must not overflow.
    if jitter is not None and np.abs(costs).max() * _JITTER_SCALE * (sink + 2) < 2.0**62:
        noise = np.random.default_rng([_JITTER_SEED, jitter]).integers(0, _JITTER, len(costs))
        costs = costs * _JITTER_SCALE + noise
    flow = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        edges.rows.astype(np.int32),
        (n + edges.columns).astype(np.int32),
        np.ones(len(edges.rows), dtype=np.int64),
        costs,
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([n + np.arange(m), np.arange(n)]).astype(np.int32),
        np.full(m + n, sink, dtype=np.int32),
        np.concatenate([places, np.ones(n, dtype=np.intp)]).astype(np.int64),
        np.zeros(m + n, dtype=np.int64),
    )
    flow.set_nodes_supplies(
        np.arange(sink + 1, dtype=np.int32),
        np.concatenate([np.ones(n), np.zeros(m), [-n]]).astype(np.int64),
    )
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"batch matching: min-cost flow ended with status {status}")
    used = np.asarray(flow.flows(pair_arcs)) > 0
    assigned[edges.rows[used]] = edges.columns[used]
    return assigned


def _duals(
    n: int, edges: _Edges, assigned: IntArray, places: IntArray
) -> tuple[FloatArray, FloatArray] | None:
    """LP dual (mentee shares ``u``, mentor prices ``v``) proving ``assigned`` optimal on edges.

    Complementary slackness pins the dual down to difference constraints between mentor
    prices, with node ``Z`` (index m) standing for price 0: for a mentee i on mentor k and any
    edge (i, j), ``v_k - v_j <= s_ik - s_ij``; an unmatched mentee needs ``v_j >= s_ij``; a
    mentee's share ``s_ik - v_k`` must stay >= 0; a mentor with a free place has price 0.
    The smallest prices are minus the shortest distances to ``Z`` (Bellman-Ford, run as
    whole-array relaxations until nothing changes).

    Returns:
        The shares and prices, or None when the constraints contradict each other, i.e.
        ``assigned`` is not optimal: a negative cycle, seen as soon as the nodes' latest
        improvements point round in a circle (each one's distance came through the next, so
        the circle's weights add up below 0), or at the latest after m + 2 rounds.
    """
    m = len(places)
    if m == 0:
        return np.zeros(n), np.zeros(0)
    own = np.zeros(n)
    mine = assigned[edges.rows]
    is_own = edges.columns == mine
    own[edges.rows[is_own]] = edges.scores[is_own]
    other = ~is_own
    matched = np.flatnonzero(assigned >= 0)
    load = np.bincount(assigned[matched], minlength=m)
    free = np.flatnonzero(load < places)
    # Edges of the constraint graph: price[dst] <= price[src] + weight.
    src = np.concatenate([edges.columns[other], np.full(len(matched) + len(free), m)])
    dst = np.concatenate([np.where(mine[other] >= 0, mine[other], m), assigned[matched], free])
    weight = np.concatenate(
        [
            np.where(mine[other] >= 0, own[edges.rows[other]], 0.0) - edges.scores[other],
            own[matched],
            np.zeros(len(free)),
        ]
    )
    # Mentor numbers fit a small integer type, which numpy sorts by radix: ~5x faster.
    order = np.argsort(src.astype(np.min_scalar_type(m)), kind="stable")
    src, dst, weight = src[order], dst[order], weight[order]
    starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
    heads = src[starts]
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(src)]))
    # Every mentor reaches Z at 0 (prices are >= 0), so all start there; Z itself stays at 0
    # unless a cycle is negative, which the checks below catch.
    distance = np.zeros(m + 1)
    through = np.full(m + 1, -1)  # the node each distance last came through, once tracked
    for rounds in range(1, m + 3):
        reached = weight + distance[dst]
        best = np.minimum.reduceat(reached, starts)
        shorter = best < distance[heads] - _TOLERANCE
        if not shorter.any():
            break
        distance[heads[shorter]] = best[shorter]
        if distance[m] < -_TOLERANCE:
            return None
        # An optimal assignment settles in a few dozen rounds; only a longer run pays for
        # tracking where each distance came from, to spot a negative cycle early.
        if rounds > _SETTLED_ROUNDS:
            lowered = shorter[group] & (reached == best[group])
            through[src[lowered]] = dst[lowered]
            if rounds % 8 == 0 and _circular(through):
                return None
    else:
        return None
    price = distance[m] - distance[:m]
    share = np.zeros(n)
    share[matched] = np.maximum(own[matched] - price[assigned[matched]], 0.0)
    return share, price


def _circular(through: IntArray) -> bool:
    """Whether following ``through`` from some node never ends (-1 ends a path)."""
    size = len(through)
    jump = np.append(np.where(through < 0, size, through), size)
    for _ in range(size.bit_length()):
        jump = jump[jump]
    return bool((jump[:size] != size).any())


def _violations(
    scorer: _Scorer,
    rows: IntArray,
    edges: _Edges,
    share: FloatArray,
    price: FloatArray,
    size: int,
) -> tuple[_Edges, FloatArray, FloatArray] | None:
    """Left-out pairs of these mentees that break the dual (``s_ij > u_i + v_j``).

    Pairs that come within ``_NEAR`` of breaking it are taken along: prices only settle over
    the rounds, and a pair nearly tight now is often broken next round, which would then
    cost one more full solve.

    Returns:
        None when no pair breaks the dual (the assignment is optimal); else up to ``size`` of
        the most broken or nearly broken pairs per mentee, and each mentee's best score still
        left out after adding them, without and with its mentor's price taken off.
    """
    if len(rows) == 0:
        return None
    matrix = scorer.matrix()
    m = matrix.shape[1]
    forbidden = scorer.forbidden
    kept = _kept(edges, (len(scorer.mentees), m))
    # Shares and prices are whole units within a score's reach, so they fit the matrix type.
    whole_price = price.astype(matrix.dtype)
    whole_share = share.astype(matrix.dtype)
    near = -round(_NEAR * scorer.unit)

    def work(block_rows: IntArray) -> tuple[_Edges, FloatArray, FloatArray]:
        block = matrix[block_rows]
        _take_out(block, block_rows, kept, forbidden)
        excess = block - whole_price
        excess -= whole_share[block_rows, None]
        worst, values = _best(excess, min(size, m), forbidden)
        close = values > near
        local = np.nonzero(close)[0]
        found = _Edges(
            block_rows[local], worst[close], block[local, worst[close]].astype(np.float64)
        )
        block[local, worst[close]] = forbidden
        left_out = _as_float(block.max(axis=1), forbidden)
        bound = np.where(
            np.isfinite(left_out), (block - whole_price).max(axis=1).astype(np.float64), -np.inf
        )
        return found, left_out, bound

    parts = _each_block(work, rows, m)
    added = _Edges.concat(*(found for found, _, _ in parts))
    if not (added.scores - share[added.rows] - price[added.columns] > _TOLERANCE).any():
        return None
    return (
        added,
        np.concatenate([left_out for _, left_out, _ in parts]),
        np.concatenate([bound for _, _, bound in parts]),
    )


def _result(scorer: _Scorer, assigned: IntArray) -> BatchResult:
    pairs: list[MatchedPair] = []
    for row in np.flatnonzero(assigned >= 0).tolist():
        mentor, mentee = scorer.mentors[assigned[row]], scorer.mentees[row]
        pair_score = score(mentor, mentee, scorer.weights, scorer.constraints)
        assert pair_score is not None, "batch matching chose a pair that may not form"
        pairs.append(MatchedPair(mentor.person_id, mentee.person_id, pair_score))
    pairs.sort(key=lambda pair: pair.mentee_id)
    left = np.flatnonzero(assigned < 0)
    unmatched = dict(
        zip(
            [scorer.mentees[row].person_id for row in left],
            scorer.why_unmatched(left),
            strict=True,
        )
    )
    return BatchResult(tuple(pairs), unmatched, math.fsum(p.score.value for p in pairs))
