"""Matching engine: hard rules, scores and their reasons, suggestions, and the optimal batch."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services import matching
from bot.services.matching import (
    DEFAULT_WEIGHTS,
    NO_CONSTRAINTS,
    STAGE_RANK,
    BatchResult,
    Candidate,
    Constraints,
    Weights,
    check,
    greedy_batch,
    hours_apart,
    match_batch,
    may_mentor,
    score,
    suggest,
)
from bot.services.profile import MENTEE_STAGES, MENTOR_STAGES


def mentor(person_id: int = 1, **changes: Any) -> Candidate:
    base = Candidate(
        person_id,
        field="paediatrics",
        stage="years_5_10",
        interests=frozenset({"research"}),
        languages=frozenset({"es"}),
        utc_offset_hours=-5,
        capacity_left=2,
    )
    return replace(base, **changes)


def mentee(person_id: int = 100, **changes: Any) -> Candidate:
    base = Candidate(
        person_id,
        field="paediatrics",
        stage="resident",
        interests=frozenset({"research"}),
        languages=frozenset({"es"}),
        utc_offset_hours=-5,
    )
    return replace(base, **changes)


def points(pair_score: matching.Score | None, code: str) -> float:
    assert pair_score is not None
    return sum(r.points for r in pair_score.reasons if r.code == code)


def codes(pair_score: matching.Score | None) -> list[str]:
    assert pair_score is not None
    return [r.code for r in pair_score.reasons]


# --- stage rules (peer mentoring) ---------------------------------------------------------


def test_every_profile_stage_has_a_rank() -> None:
    assert set(STAGE_RANK) == set(MENTEE_STAGES) | set(MENTOR_STAGES)
    ranks = [STAGE_RANK[s] for s in MENTEE_STAGES]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)  # junior to senior


@pytest.mark.parametrize("mentee_stage", MENTEE_STAGES)
@pytest.mark.parametrize("mentor_stage", MENTOR_STAGES)
def test_who_may_mentor_whom(mentor_stage: str, mentee_stage: str) -> None:
    if mentor_stage == "senior_trainee":
        expected = mentee_stage in ("student_early", "student_late", "intern")
    else:  # practising doctors mentor anyone
        expected = True
    assert may_mentor(mentor_stage, mentee_stage) is expected


@pytest.mark.parametrize(
    ("mentor_stage", "mentee_stage", "allowed"),
    [
        ("fellow", "resident", True),  # a trainee further on mentors one behind
        ("resident", "resident", False),  # peers at the same stage do not
        ("intern", "fellow", False),
        (None, "fellow", True),  # missing data never blocks
        ("years_5_10", None, True),
        ("consultant?", "intern", True),  # nor does an unknown stage
    ],
)
def test_seniority_must_exceed(
    mentor_stage: str | None, mentee_stage: str | None, allowed: bool
) -> None:
    assert may_mentor(mentor_stage, mentee_stage) is allowed


# --- hard constraints ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("the_mentor", "the_mentee", "constraints", "code"),
    [
        (mentor(), mentee(), Constraints(), None),
        (mentor(languages=frozenset({"en"})), mentee(), Constraints(), "no_common_language"),
        (mentor(), mentee(languages=frozenset()), Constraints(), "no_common_language"),
        (mentor(available=False), mentee(), Constraints(), "unavailable"),
        (mentor(capacity_left=0), mentee(), Constraints(), "no_capacity"),
        (mentor(), mentee(), Constraints(excluded=frozenset({(1, 100)})), "excluded"),
        (mentor(), mentee(), Constraints(previous=frozenset({(1, 100)})), "previous_pair"),
        (mentor(stage="senior_trainee"), mentee(stage="resident"), Constraints(), "stage_rule"),
        (mentor(person_id=100), mentee(person_id=100), Constraints(), "same_person"),
    ],
)
def test_hard_constraints(
    the_mentor: Candidate, the_mentee: Candidate, constraints: Constraints, code: str | None
) -> None:
    assert check(the_mentor, the_mentee, constraints) == code
    assert (score(the_mentor, the_mentee, DEFAULT_WEIGHTS, constraints) is None) is (
        code is not None
    )


def test_exclusions_are_per_pair_and_directional() -> None:
    constraints = Constraints(excluded=frozenset({(1, 100)}))
    assert check(mentor(1), mentee(101), constraints) is None
    assert check(mentor(2), mentee(100), constraints) is None
    assert check(mentor(100), mentee(1), constraints) is None


def test_a_coordinator_may_allow_a_previous_pair_again() -> None:
    again = Constraints(previous=frozenset({(1, 100)}), allow_previous=True)
    assert check(mentor(), mentee(), again) is None
    both = replace(again, excluded=frozenset({(1, 100)}))
    assert check(mentor(), mentee(), both) == "excluded"


# --- scores and reasons -------------------------------------------------------------------


def test_reasons_say_why_in_codes_and_params() -> None:
    pair = score(
        mentor(languages=frozenset({"es", "en"}), interests=frozenset({"research", "career"})),
        mentee(
            languages=frozenset({"es", "pt"}),
            interests=frozenset({"career", "research", "exams"}),
            utc_offset_hours=-2,
        ),
    )
    assert pair is not None
    assert [(r.code, r.params) for r in pair.reasons] == [
        ("same_field", {"field": "paediatrics"}),
        ("languages", {"languages": ("es",)}),
        ("interests", {"interests": ("career", "research")}),
        ("hours_apart", {"hours": 3}),
        ("stages", {"mentor": "years_5_10", "mentee": "resident"}),
        ("places_left", {"places": 2}),
    ]


def test_value_is_the_sum_of_the_reasons() -> None:
    pair = score(mentor(utc_offset_hours=9), mentee(stage=None))
    assert pair is not None
    assert pair.value == pytest.approx(sum(r.points for r in pair.reasons))


def test_same_field_counts_and_free_text_ignores_case() -> None:
    same = score(mentor(field="Medicina tropical"), mentee(field="medicina TROPICAL"))
    other = score(mentor(field="surgery"), mentee())
    unknown = score(mentor(field=None), mentee(field=None))
    assert points(same, "same_field") == DEFAULT_WEIGHTS.field
    assert "same_field" not in codes(other) and "same_field" not in codes(unknown)


def test_shared_interests_count_up_to_the_cap() -> None:
    many = frozenset({"research", "career", "teaching", "exams", "wellbeing"})
    capped = score(mentor(interests=many), mentee(interests=many))
    one = score(mentor(), mentee())
    none = score(mentor(interests=frozenset()), mentee())
    assert points(one, "interests") == DEFAULT_WEIGHTS.interest
    assert points(capped, "interests") == DEFAULT_WEIGHTS.interest * DEFAULT_WEIGHTS.interest_cap
    assert "interests" not in codes(none)


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [(-5, -5, 0), (-5, -2, 3), (-5, 3, 8), (-11, 13, 0), (-10, 12, 2), (5.5, 0, 5.5), (-3, 9, 12)],
)
def test_hours_apart_goes_round_the_day(a: float, b: float, hours: float) -> None:
    assert hours_apart(a, b) == hours == hours_apart(b, a)


def test_timezone_costs_only_beyond_the_tolerance() -> None:
    near = score(mentor(utc_offset_hours=-2), mentee())  # 3 h: within tolerance
    far = score(mentor(utc_offset_hours=1), mentee())  # 6 h
    half = score(mentor(utc_offset_hours=0.5), mentee())  # 5.5 h
    assert points(near, "hours_apart") == 0
    assert points(far, "hours_apart") == -DEFAULT_WEIGHTS.timezone * 3
    assert points(half, "hours_apart") == -DEFAULT_WEIGHTS.timezone * 2.5
    assert half is not None and half.reasons[3].params == {"hours": 5.5}


def test_stage_fit_is_best_two_ranks_ahead_and_unknown_scores_lower() -> None:
    ideal = score(mentor(stage="years_0_5"), mentee(stage="resident"))  # 5 vs 3
    near_peer = score(mentor(stage="senior_trainee"), mentee(stage="intern"))  # 3 vs 2
    distant = score(mentor(stage="years_20_plus"), mentee(stage="student_early"))  # 8 vs 0
    unknown = score(mentor(stage=None), mentee())
    assert points(ideal, "stages") == 0
    assert points(near_peer, "stages") == -DEFAULT_WEIGHTS.stage_gap
    assert points(distant, "stages") == -DEFAULT_WEIGHTS.stage_gap * 6
    assert codes(unknown)[-2] == "stage_unknown"
    assert points(unknown, "stage_unknown") < points(near_peer, "stages") <= 0


def test_more_places_left_earn_a_small_capped_bonus() -> None:
    values = [points(score(mentor(capacity_left=c), mentee()), "places_left") for c in (1, 5, 8)]
    assert values == pytest.approx([0.2, 1.0, 1.0])  # 0.2 a place, counted up to 5
    assert values[-1] < DEFAULT_WEIGHTS.interest  # so it only ever breaks near-ties


def test_weights_come_from_settings() -> None:
    weights = Weights.from_settings({"field": 8, "interest_cap": 2.0, "language": "es"})
    assert weights == replace(DEFAULT_WEIGHTS, field=8.0, interest_cap=2)
    assert Weights.from_settings({}) == DEFAULT_WEIGHTS


@pytest.mark.parametrize(
    "settings_",
    [{"field": "high"}, {"timezone": -1}, {"interest": math.nan}, {"capacity": True},
     {"interest_cap": 1.5}, {"stage_gap": math.inf}, {"field": 1001}],
)  # fmt: skip
def test_bad_weights_are_refused(settings_: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="matching weight"):
        Weights.from_settings(settings_)


# --- suggestions --------------------------------------------------------------------------


def test_suggest_returns_the_best_feasible_mentors_first() -> None:
    mentors = [
        mentor(1, field="surgery"),
        mentor(2),
        mentor(3, languages=frozenset({"en"})),  # cannot talk
        mentor(4, interests=frozenset({"career"})),
        mentor(5, field="surgery", utc_offset_hours=5),
        mentor(6, available=False),
    ]
    ranked = suggest(mentee(), mentors)
    assert [mentor_id for mentor_id, _ in ranked] == [2, 4, 1]
    values = [s.value for _, s in ranked]
    assert values == sorted(values, reverse=True)
    assert len(suggest(mentee(), mentors, limit=10)) == 4
    assert suggest(mentee(), mentors, limit=0) == []


def test_suggest_breaks_ties_by_places_left_then_id() -> None:
    # Places beyond the bonus limit tie on score, so capacity then id decide.
    mentors = [mentor(7, capacity_left=6), mentor(3, capacity_left=6), mentor(5, capacity_left=8)]
    assert [m for m, _ in suggest(mentee(), mentors)] == [5, 3, 7]


# --- batch ---------------------------------------------------------------------------------


def test_batch_beats_greedy_where_greedy_blocks_a_pair() -> None:
    # Mentor 1 suits both mentees best, mentor 2 only mentee 100 (language): greedy gives
    # mentor 1 to mentee 100 and leaves mentee 101 with nobody.
    mentors = [
        mentor(1, languages=frozenset({"es", "en"}), capacity_left=1),
        mentor(2, field="surgery", languages=frozenset({"en"}), capacity_left=1),
    ]
    mentees = [mentee(100, languages=frozenset({"en"})), mentee(101, field="surgery")]
    for shortlist in (1, 4):  # a one-mentor shortlist must grow until provably optimal
        best = match_batch(mentors, mentees, shortlist=shortlist)
        assert {(p.mentor_id, p.mentee_id) for p in best.pairs} == {(2, 100), (1, 101)}
        assert best.unmatched == {}
    greedy = greedy_batch(mentors, mentees)
    assert {(p.mentor_id, p.mentee_id) for p in greedy.pairs} == {(1, 100)}
    assert greedy.unmatched == {101: "no_capacity"}
    assert best.total_score > greedy.total_score


def test_batch_fills_places_and_explains_who_is_left() -> None:
    peer = mentor(1, stage="senior_trainee", capacity_left=2)
    away, full = mentor(2, available=False), mentor(3, capacity_left=0)
    mentees = [
        mentee(100, stage="intern"),
        mentee(101, stage="intern", interests=frozenset()),
        mentee(102, stage="intern", field="surgery"),  # the weakest of the three: left out
        mentee(103, stage="intern", languages=frozenset({"sw"})),
        mentee(104, stage="fellow"),  # a senior trainee cannot mentor a fellow
        mentee(105, stage="intern"),
    ]
    constraints = Constraints(excluded=frozenset({(1, 105)}))
    result = match_batch([peer, away, full], mentees, constraints=constraints)
    assert {(p.mentor_id, p.mentee_id) for p in result.pairs} == {(1, 100), (1, 101)}
    assert result.unmatched == {
        102: "no_capacity",
        103: "no_common_language",
        104: "stage_rule",
        105: "all_excluded",
    }
    assert result.total_score == pytest.approx(sum(p.score.value for p in result.pairs))


def test_batch_without_open_mentors() -> None:
    result = match_batch([mentor(available=False)], [mentee(100), mentee(101)])
    assert result == BatchResult((), {100: "no_mentors", 101: "no_mentors"}, 0.0)
    assert match_batch([], []) == BatchResult((), {}, 0.0)


def test_a_pair_worth_nothing_is_not_made() -> None:
    harsh = replace(DEFAULT_WEIGHTS, common_language=1.0, timezone=5.0)
    result = match_batch([mentor(utc_offset_hours=8)], [mentee()], harsh)
    assert result.unmatched == {100: "poor_fit"}


def test_a_peer_mentor_who_needs_a_mentor_is_not_their_own() -> None:
    peer = mentor(7, stage="senior_trainee")
    senior = mentor(8, stage="years_10_20", capacity_left=1)
    mentees = [mentee(7, stage="senior_trainee"), mentee(9, stage="intern")]
    result = match_batch([peer, senior], mentees)
    assert {(p.mentor_id, p.mentee_id) for p in result.pairs} == {(8, 7), (7, 9)}


def test_bad_batch_input_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        match_batch([mentor(1), mentor(1)], [mentee()])
    with pytest.raises(ValueError, match="shortlist"):
        match_batch([mentor()], [mentee()], shortlist=0)


# --- properties on small random programmes --------------------------------------------------

FIELD_CHOICES = ("paediatrics", "surgery", "Surgery", None)
# Mostly shared languages and plausible stages, so mentees compete for the same mentors.
LANGUAGE_CHOICES = tuple(map(frozenset, ({"es"}, {"es"}, {"en"}, {"es", "en"}, {"pt"}, ())))
MENTOR_STAGE_CHOICES = (None, "unknown", "fellow", *MENTOR_STAGES)
MENTEE_STAGE_CHOICES = (None, "unknown", "senior_trainee", *MENTEE_STAGES)
INTEREST_CHOICES = ("research", "career", "teaching", "exams")
OFFSETS = (-5, -3, 0, 5.5, 9, 13)


@st.composite
def candidates(draw: st.DrawFn, person_id: int, *, is_mentor: bool) -> Candidate:
    stages = MENTOR_STAGE_CHOICES if is_mentor else MENTEE_STAGE_CHOICES
    return Candidate(
        person_id,
        field=draw(st.sampled_from(FIELD_CHOICES)),
        stage=draw(st.sampled_from(stages)),
        interests=draw(st.frozensets(st.sampled_from(INTEREST_CHOICES))),
        languages=draw(st.sampled_from(LANGUAGE_CHOICES)),
        utc_offset_hours=draw(st.sampled_from(OFFSETS)),
        capacity_left=draw(st.integers(0, 3)) if is_mentor else 0,
        available=not is_mentor or draw(st.integers(0, 5)) > 0,
    )


@st.composite
def programmes(
    draw: st.DrawFn, *, crowded: bool = False
) -> tuple[list[Candidate], list[Candidate], Constraints, Weights]:
    """Up to 5 mentors with 0-3 places and 6 mentees; ``crowded``: more mentees than places."""
    mentors = [
        draw(candidates(n, is_mentor=True)) for n in range(draw(st.integers(2 * crowded, 5)))
    ]
    mentees = [
        draw(candidates(100 + n, is_mentor=False))
        for n in range(draw(st.integers(4 * crowded, 6)))
    ]
    if crowded:  # everyone can talk to everyone and places are short: mentees compete
        mentors = [replace(m, languages=frozenset({"es"}), capacity_left=1) for m in mentors]
        mentees = [replace(e, languages=frozenset({"es"})) for e in mentees]
    peer: bool = draw(st.booleans())
    if peer and mentors and mentees:  # a peer mentor who also needs a mentor
        mentees[0] = replace(mentees[0], person_id=mentors[0].person_id)
    pairs = [(m.person_id, e.person_id) for m in mentors for e in mentees]
    some = st.frozensets(st.sampled_from(pairs), max_size=3) if pairs else st.just(frozenset())
    constraints = Constraints(draw(some), draw(some), draw(st.booleans()))
    weight = st.floats(0, 10, allow_nan=False).map(lambda w: round(w, 2))
    weights = draw(
        st.just(DEFAULT_WEIGHTS)
        | st.builds(
            Weights,
            common_language=weight,
            field=weight,
            interest=weight,
            interest_cap=st.integers(0, 4),
            timezone=weight,
            timezone_tolerance=weight,
            stage_gap=weight,
            stage_unknown=weight,
            capacity=weight,
        )
    )
    return mentors, mentees, constraints, weights


def brute_force(
    mentors: list[Candidate], mentees: list[Candidate], constraints: Constraints, weights: Weights
) -> float:
    """Best total over every assignment that respects places and hard constraints."""
    options = [
        [(m.person_id, s.value) for m in mentors if (s := score(m, e, weights, constraints))]
        for e in mentees
    ]
    places = {m.person_id: m.capacity_left for m in mentors}

    def best(index: int) -> float:
        if index == len(options):
            return 0.0
        result = best(index + 1)  # this mentee unmatched
        for mentor_id, value in options[index]:
            if places[mentor_id] > 0:
                places[mentor_id] -= 1
                result = max(result, value + best(index + 1))
                places[mentor_id] += 1
        return result

    return best(0)


def assert_valid(
    result: BatchResult,
    mentors: list[Candidate],
    mentees: list[Candidate],
    constraints: Constraints,
    weights: Weights,
) -> None:
    by_id = {m.person_id: m for m in mentors}
    mentee_by_id = {e.person_id: e for e in mentees}
    load = Counter(p.mentor_id for p in result.pairs)
    assert all(load[i] <= by_id[i].capacity_left for i in load)  # never over capacity
    matched = [p.mentee_id for p in result.pairs]
    assert len(matched) == len(set(matched))  # each mentee at most once
    assert set(matched) | set(result.unmatched) == set(mentee_by_id)
    assert not set(matched) & set(result.unmatched)
    for pair in result.pairs:  # only pairs that may form, scored as ``score`` scores them
        assert check(by_id[pair.mentor_id], mentee_by_id[pair.mentee_id], constraints) is None
        assert pair.score == score(
            by_id[pair.mentor_id], mentee_by_id[pair.mentee_id], weights, constraints
        )
        assert pair.score.value > 0
    assert result.total_score == pytest.approx(sum(p.score.value for p in result.pairs))


@settings(max_examples=400, deadline=None)
@given(programmes(), st.sampled_from([1, 1, 2, 4]))
def test_batch_is_optimal_valid_and_never_below_greedy(
    programme: tuple[list[Candidate], list[Candidate], Constraints, Weights], shortlist: int
) -> None:
    mentors, mentees, constraints, weights = programme
    best = match_batch(mentors, mentees, weights, constraints, shortlist=shortlist)
    greedy = greedy_batch(mentors, mentees, weights, constraints)
    assert_valid(best, mentors, mentees, constraints, weights)
    assert_valid(greedy, mentors, mentees, constraints, weights)
    assert best.total_score == pytest.approx(
        brute_force(mentors, mentees, constraints, weights), abs=1e-9
    )
    assert best.total_score >= greedy.total_score - 1e-9


def expected_reason(
    mentors: list[Candidate], e: Candidate, constraints: Constraints, weights: Weights
) -> str:
    """Why a mentee left unmatched got nobody: the first filter that leaves no mentor."""
    open_mentors = [m for m in mentors if m.available and m.capacity_left > 0]
    talk = [m for m in open_mentors if m.languages & e.languages]
    senior = [m for m in talk if may_mentor(m.stage, e.stage)]
    allowed = [m for m in senior if check(m, e, constraints) is None]
    scores = [s.value for m in allowed if (s := score(m, e, weights, constraints))]
    for reason, left in (
        ("no_mentors", open_mentors),
        ("no_common_language", talk),
        ("stage_rule", senior),
        ("all_excluded", allowed),
    ):
        if not left:
            return reason
    return "poor_fit" if max(scores) <= 0 else "no_capacity"


@settings(max_examples=200, deadline=None)
@given(programmes(crowded=True))
def test_a_one_mentor_shortlist_grows_until_optimal(
    programme: tuple[list[Candidate], list[Candidate], Constraints, Weights],
) -> None:
    mentors, mentees, constraints, weights = programme
    best = match_batch(mentors, mentees, weights, constraints, shortlist=1)
    assert_valid(best, mentors, mentees, constraints, weights)
    assert best.total_score == pytest.approx(
        brute_force(mentors, mentees, constraints, weights), abs=1e-9
    )


@settings(max_examples=200, deadline=None)
@given(programmes())
def test_unmatched_reasons_follow_the_rules(
    programme: tuple[list[Candidate], list[Candidate], Constraints, Weights],
) -> None:
    mentors, mentees, constraints, weights = programme
    for result in (
        match_batch(mentors, mentees, weights, constraints),
        greedy_batch(mentors, mentees, weights, constraints),
    ):
        for mentee_id, reason in result.unmatched.items():
            e = next(e for e in mentees if e.person_id == mentee_id)
            assert reason == expected_reason(mentors, e, constraints, weights)


@settings(max_examples=200, deadline=None)
@given(programmes())
def test_array_scores_equal_pair_scores(
    programme: tuple[list[Candidate], list[Candidate], Constraints, Weights],
) -> None:
    # The batch scores whole blocks with numpy; they must agree with ``score`` pair by pair.
    mentors, mentees, constraints, weights = programme
    scorer = matching._Scorer(mentors, mentees, weights, constraints)
    block = scorer.scores(np.arange(len(mentees)))
    for i, e in enumerate(mentees):
        for j, m in enumerate(scorer.mentors):
            expected = score(m, e, weights, constraints)
            if expected is None:
                assert block[i, j] == -math.inf
            else:
                assert block[i, j] == pytest.approx(expected.value, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(programmes(), st.sampled_from([0.0, 0.37, 1 / 3]))
def test_the_solver_units_make_every_score_whole_or_fall_back(
    programme: tuple[list[Candidate], list[Candidate], Constraints, Weights], odd: float
) -> None:
    # Weights in hundredths and quarter-hour offsets get a small exact grid; a weight with
    # more decimals falls back to nano-points. Either way the solver sees whole numbers.
    mentors, mentees, constraints, weights = programme
    weights = replace(weights, capacity=weights.capacity + odd)
    scorer = matching._Scorer(mentors, mentees, weights, constraints)
    block = scorer.units(np.arange(len(mentees)))
    finite = block[np.isfinite(block)]
    assert np.array_equal(finite, np.rint(finite))
    exact = scorer.unit < 1e9
    assert exact == (odd != 1 / 3)
    if exact:  # whole units and the float scores agree to the last bit that matters
        floats = scorer.scores(np.arange(len(mentees)))[np.isfinite(block)]
        assert np.allclose(finite / scorer.unit, floats, rtol=0, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(programmes())
def test_default_weights_make_every_feasible_pair_worth_making(
    programme: tuple[list[Candidate], list[Candidate], Constraints, Weights],
) -> None:
    mentors, mentees, constraints, _ = programme
    for m in mentors:
        for e in mentees:
            pair = score(m, e, DEFAULT_WEIGHTS, constraints)
            assert pair is None or pair.value > 0


@settings(max_examples=200, deadline=None)
@given(programmes(), st.integers(0, 4))
def test_suggest_lists_the_best_feasible_mentors(
    programme: tuple[list[Candidate], list[Candidate], Constraints, Weights], limit: int
) -> None:
    mentors, mentees, constraints, weights = programme
    for e in mentees:
        ranked = suggest(e, mentors, weights, constraints, limit=limit)
        feasible = sorted(
            s.value for m in mentors if (s := score(m, e, weights, constraints)) is not None
        )
        assert len(ranked) == min(limit, len(feasible))
        assert [s.value for _, s in ranked] == feasible[::-1][: len(ranked)]  # best first
        by_id = {m.person_id: m for m in mentors}
        assert all(check(by_id[m], e, constraints) is None for m, _ in ranked)


# --- the solver's shortcuts must never cost optimality -------------------------------------


def random_programme(
    seed: int, mentors: int = 4, mentees: int = 7
) -> tuple[list[Candidate], list[Candidate]]:
    """A small crowded programme: few places, everyone can talk to everyone."""
    rng = random.Random(seed)
    return (
        [
            mentor(n, interests=frozenset(rng.sample(INTEREST_CHOICES, rng.randint(0, 3))),
                   utc_offset_hours=rng.choice(OFFSETS), capacity_left=rng.randint(1, 2),
                   stage=rng.choice(MENTOR_STAGES))
            for n in range(mentors)
        ],
        [
            mentee(100 + n, interests=frozenset(rng.sample(INTEREST_CHOICES, rng.randint(0, 3))),
                   utc_offset_hours=rng.choice(OFFSETS), stage=rng.choice(MENTEE_STAGES))
            for n in range(mentees)
        ],
    )  # fmt: skip


def test_a_jittered_answer_that_is_not_the_best_is_solved_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Noise of up to 40 points per pair tips many solves; the certificate must catch each one
    # and the round be solved again (other noise, then exactly) until it is the optimum.
    monkeypatch.setattr(matching, "_JITTER", 40 * 40 * matching._JITTER_SCALE)
    tries: list[int | None] = []
    solve = matching._solve

    def counted(n: int, edges: Any, places: Any, jitter: int | None = None) -> Any:
        tries.append(jitter)
        return solve(n, edges, places, jitter)

    monkeypatch.setattr(matching, "_solve", counted)
    for seed in range(40):
        mentors, mentees = random_programme(seed)
        best = match_batch(mentors, mentees)
        assert_valid(best, mentors, mentees, NO_CONSTRAINTS, DEFAULT_WEIGHTS)
        assert best.total_score == pytest.approx(
            brute_force(mentors, mentees, NO_CONSTRAINTS, DEFAULT_WEIGHTS), abs=1e-9
        )
    assert 1 in tries and None in tries  # both second tries were needed somewhere


def test_the_dual_refuses_an_assignment_that_is_not_optimal() -> None:
    # Two mentees, two one-place mentors; the assignment chosen gives each the worse mentor.
    edges = matching._Edges(
        np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([10.0, 1.0, 1.0, 10.0])
    )
    places = np.array([1, 1])
    assert matching._duals(2, edges, np.array([1, 0]), places) is None
    share, price = matching._duals(2, edges, np.array([0, 1]), places) or (None, None)
    assert share is not None and price is not None
    assert (share + price[[0, 1]] == [10.0, 10.0]).all()  # tight on the chosen pairs
    assert (share[[0, 1]] + price[[1, 0]] >= [1.0, 1.0]).all()  # and covers the others


def test_a_negative_cycle_is_seen_in_where_the_distances_came_from() -> None:
    assert matching._circular(np.array([1, 2, 0, -1]))  # 0 -> 1 -> 2 -> 0
    assert matching._circular(np.array([-1, 2, 1]))  # 1 <-> 2
    assert not matching._circular(np.array([-1, 0, 1, 1]))  # every path ends at 0
    assert not matching._circular(np.full(5, -1))


@pytest.mark.parametrize(
    ("weights", "dtype"),
    [(DEFAULT_WEIGHTS, np.int16), (replace(DEFAULT_WEIGHTS, field=900.0), np.int32),
     (replace(DEFAULT_WEIGHTS, capacity=1 / 3), np.int64)],
)  # fmt: skip
def test_the_score_matrix_takes_the_narrowest_type_that_fits(
    weights: Weights, dtype: type[np.signedinteger[Any]]
) -> None:
    mentors, mentees = random_programme(7, mentors=5, mentees=9)
    mentees[0] = replace(mentees[0], languages=frozenset({"pt"}))  # nobody to talk to
    scorer = matching._Scorer(mentors, mentees, weights, NO_CONSTRAINTS)
    assert scorer.matrix().dtype == dtype
    stored = scorer.units(np.arange(len(mentees)))
    floats = scorer.scores(np.arange(len(mentees)))
    assert (np.isinf(stored) == np.isinf(floats)).all() and np.isinf(stored[0]).all()
    finite = np.isfinite(floats)
    # Parts are rounded to units one by one, so a fallback unit may differ by a few units.
    assert np.allclose(stored[finite], floats[finite] * scorer.unit, rtol=0, atol=4)
    assert scorer.forbidden < -2 * np.abs(stored[finite]).max()


def test_the_first_solve_also_gets_mentors_nobody_shortlisted() -> None:
    # Every mentee's best is mentor 0; mentor 1 is nobody's first choice but has the places.
    mentors = [mentor(0, capacity_left=1, field="surgery"), mentor(1, capacity_left=5)]
    mentees = [mentee(100 + n, field="surgery") for n in range(5)]
    scorer = matching._Scorer(mentors, mentees, DEFAULT_WEIGHTS, NO_CONSTRAINTS)
    edges, _ = matching._shortlist(scorer, 1)
    assert sorted(zip(edges.rows.tolist(), edges.columns.tolist(), strict=True)) == sorted(
        [(row, 0) for row in range(5)] + [(row, 1) for row in range(5)]
    )
