"""Pairing rules on both databases: who may pair whom, capacity under concurrency, history,
ending a pair, and the introductions written to the outbox in the same transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.clock import ManualClock
from bot.i18n import has, t
from bot.services.matching import Reason
from bot.services.pairing import (
    PairingRefused,
    PairingService,
    PairView,
    Refusal,
    _PairFacts,
)
from bot.services.people import PeopleService
from bot.services.profile import Step
from bot.services.programmes import NotCoordinator, ProgrammeService
from storage.database import Database
from storage.models import (
    Membership,
    OutboxMessage,
    Pairing,
    PairingExclusion,
    PairingStatus,
    Role,
)

pytestmark = pytest.mark.asyncio

COORDINATOR = 1
MENTORS = (10, 11)
MENTEES = (20, 21, 22, 23, 24)


class World:
    """A default programme with a coordinator, two mentors and five mentees."""

    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.db = db
        self.clock = clock
        self.people = PeopleService(db, clock, coordinator_ids=frozenset({COORDINATOR}))
        self.programmes = ProgrammeService(db, clock)
        self.pairing = PairingService(db, clock)
        self.ids: dict[int, int] = {}

    async def build(self, capacity: int = 2) -> World:
        self.programme_id = (await self.people.ensure_default_programme("P")).id
        await self.people.consent(COORDINATOR, language="en", invite=None)
        for telegram_id, role in [(m, Role.MENTOR) for m in MENTORS] + [
            (m, Role.MENTEE) for m in MENTEES
        ]:
            await self.people.consent(telegram_id, language="es", invite=None)
            person = await self.people.choose_role(telegram_id, role)
            await self.people.answer(telegram_id, Step.NAME, f"Person {telegram_id}")
            await self.people.toggle(telegram_id, Step.LANGUAGES, "es")
            if role == Role.MENTOR:
                await self.people.answer(telegram_id, Step.CAPACITY, capacity)
            self.ids[telegram_id] = person.id
        return self

    async def pair(self, mentor: int, mentee: int, **kwargs: Any) -> PairView:
        return await self.pairing.pair(
            COORDINATOR, self.programme_id, self.ids[mentor], self.ids[mentee], **kwargs
        )

    async def outbox_count(self) -> int:
        async with self.db.read() as s:
            return int(await s.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


@pytest.fixture
async def world(db: Database, clock: ManualClock) -> World:
    return await World(db, clock).build()


async def _refused(attempt: Awaitable[object], reason: Refusal) -> None:
    with pytest.raises(PairingRefused) as refusal:
        await attempt
    assert refusal.value.reason == reason


async def test_a_coordinator_pairs_and_both_are_introduced(world: World) -> None:
    why = (Reason("same_field", {"field": "paediatrics"}), Reason("hours_apart", {"hours": 3}))
    pair = await world.pair(10, 20, reasons=why)
    assert pair.status == PairingStatus.ACTIVE
    async with world.db.read() as s:
        rows = (await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert {r.chat_id for r in rows} == {10, 20}
    assert all(r.kind == "pair_intro" for r in rows)
    mentee_intro = next(r for r in rows if r.chat_id == 20)
    assert "Person 10" in mentee_intro.payload["text"]
    assert t("es", "field.paediatrics") in mentee_intro.payload["text"]  # her language
    assert t("es", "reason.hours_apart", hours=3) in mentee_intro.payload["text"]
    assert pair.reasons == why
    assert [p.mentee_name for p in await world.pairing.pairs_of(10, as_role=Role.MENTOR)] == [
        "Person 20"
    ]
    assert [p.mentor_name for p in await world.pairing.pairs_of(20, as_role=Role.MENTEE)] == [
        "Person 10"
    ]


async def test_rules_refuse_bad_pairs_and_change_nothing(world: World) -> None:
    await world.pair(10, 20)
    await _refused(world.pair(11, 20), Refusal.HAS_MENTOR)
    await _refused(world.pair(20, 21), Refusal.NOT_MEMBERS)  # a mentee is not a mentor
    await world.pair(10, 21)
    await _refused(world.pair(10, 22), Refusal.NO_CAPACITY)
    await world.pairing.set_away(11, world.clock.now().date() + timedelta(days=3))
    await _refused(world.pair(11, 22), Refusal.AWAY)
    await world.pairing.set_away(11, None)
    async with world.db.session() as s:
        s.add(
            PairingExclusion(
                programme_id=world.programme_id,
                mentor_id=world.ids[11],
                mentee_id=world.ids[22],
                created_at=world.clock.now(),
            )
        )
    await _refused(world.pair(11, 22), Refusal.EXCLUDED)
    assert await world.outbox_count() == 4  # only the two successful pairs' introductions


async def test_hard_rules_hold_for_a_coordinators_own_choice(world: World) -> None:
    """No common language, or a mentor not senior enough: refused on every path, insist or not."""
    await world.people.toggle(20, Step.LANGUAGES, "es")  # off: Person 20 now speaks nothing
    await world.people.toggle(20, Step.LANGUAGES, "pt")
    await _refused(world.pair(10, 20, insist=True), Refusal.NO_COMMON_LANGUAGE)
    await world.people.answer(10, Step.STAGE, "senior_trainee")
    await world.people.answer(21, Step.STAGE, "resident")
    await _refused(world.pair(10, 21, insist=True), Refusal.STAGE_RULE)
    assert await world.outbox_count() == 0
    assert await world.pairing.pairs_of(10, as_role=Role.MENTOR) == []
    await world.people.answer(21, Step.STAGE, "student_late")  # a junior: peer mentoring
    await world.pair(10, 21)


async def test_deactivated_members_are_neither_offered_nor_paired(world: World) -> None:
    async with world.db.session() as s:
        await s.execute(
            update(Membership)
            .where(Membership.person_id.in_([world.ids[11], world.ids[24]]))
            .values(deactivated_at=world.clock.now())
        )
    for telegram_id in MENTEES:
        await world.people.finish_onboarding(telegram_id)
    _, offered = await world.pairing.suggestions(COORDINATOR, world.programme_id, world.ids[20])
    assert [s.mentor.person_id for s in offered] == [world.ids[10]]
    waiting = await world.pairing.waiting_mentees(COORDINATOR, world.programme_id)
    assert world.ids[24] not in {m.person_id for m in waiting}
    proposal = await world.pairing.propose_batch(COORDINATOR, world.programme_id)
    assert {p.mentor.person_id for p in proposal.pairs} == {world.ids[10]}
    await _refused(world.pair(11, 20), Refusal.NOT_MEMBERS)
    await _refused(world.pair(10, 24), Refusal.NOT_MEMBERS)
    assert await world.outbox_count() == 0


async def test_a_member_in_both_roles_is_never_their_own_mentor(world: World) -> None:
    """Peer mentoring: a senior trainee may mentor and be mentored in one programme."""
    async with world.db.session() as s:
        s.add(
            Membership(
                person_id=world.ids[10],
                programme_id=world.programme_id,
                role=Role.MENTEE,
                joined_at=world.clock.now(),
            )
        )
    before = await world.outbox_count()
    await _refused(world.pair(10, 10), Refusal.SAME_PERSON)
    assert all(has(f"pair.refused.{code}") for code in Refusal)  # each is explained
    assert await world.outbox_count() == before


async def test_only_this_programmes_coordinators_may_pair(world: World) -> None:
    with pytest.raises(NotCoordinator):
        await world.pairing.pair(20, world.programme_id, world.ids[10], world.ids[21])
    other = await world.programmes.create(COORDINATOR, "Other")
    with pytest.raises(NotCoordinator):
        await world.pairing.pair(10, other.id, world.ids[10], world.ids[21])


async def test_capacity_holds_under_concurrent_pairing(world: World) -> None:
    results = await asyncio.gather(
        *(world.pair(10, mentee) for mentee in MENTEES), return_exceptions=True
    )
    formed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, PairingRefused)]
    assert len(formed) == 2 and len(refused) == 3
    assert {r.reason for r in refused} == {Refusal.NO_CAPACITY}


async def test_capacity_holds_when_a_batch_and_hand_pairing_race(world: World) -> None:
    """A batch approval and a coordinator's /pair at the same moment share one mentor's
    two places: whichever path comes first, the mentor never gets a third mentee."""
    batch = world.pairing.apply_batch(
        COORDINATOR, world.programme_id, [(world.ids[10], world.ids[m]) for m in (20, 21, 22)]
    )
    results = await asyncio.gather(
        batch, world.pair(10, 23), world.pair(10, 24), return_exceptions=True
    )
    batch_result, *by_hand = results
    assert not isinstance(batch_result, BaseException)
    formed, skipped = batch_result
    formed_by_hand = [r for r in by_hand if not isinstance(r, BaseException)]
    assert formed + len(formed_by_hand) == 2
    assert all(code == Refusal.NO_CAPACITY for _, _, code in skipped)
    assert all(
        isinstance(r, PairingRefused) and r.reason == Refusal.NO_CAPACITY
        for r in by_hand
        if isinstance(r, BaseException)
    )
    assert len(await world.pairing.pairs_of(10, as_role=Role.MENTOR)) == 2


async def test_a_batch_checks_each_pair_against_the_ones_before_it(world: World) -> None:
    """Rules are read once for a whole chunk: a mentee given twice gets the first mentor only,
    and a mentor's places are counted down pair by pair."""
    ids = world.ids
    formed, skipped = await world.pairing.apply_batch(
        COORDINATOR,
        world.programme_id,
        [(ids[10], ids[20]), (ids[11], ids[20]), (ids[10], ids[21]), (ids[10], ids[22])],
    )
    assert formed == 2
    assert [(a.person_id, b.person_id, code) for a, b, code in skipped] == [
        (ids[11], ids[20], Refusal.HAS_MENTOR),
        (ids[10], ids[22], Refusal.NO_CAPACITY),
    ]
    pairs = await world.pairing.pairs_of(10, as_role=Role.MENTOR)
    assert {p.mentee_id for p in pairs} == {ids[20], ids[21]}
    assert await world.outbox_count() == 4  # two introductions for each pair formed, no more


async def test_a_pair_formed_elsewhere_meanwhile_leaves_the_rest_of_the_batch_whole(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If another transaction pairs one of a chunk's mentees between the read of the rules and
    the write (the unique index refuses the chunk), the chunk is formed again one pair at a
    time: that mentee is refused, every other pair is formed and introduced once."""
    ids = world.ids
    await world.pair(11, 20)
    before = await world.outbox_count()
    load = _PairFacts.load
    calls = 0

    async def stale_once(*args: Any) -> _PairFacts:
        nonlocal calls
        calls += 1
        facts = await load(*args)
        if calls == 1:  # the read that missed the other transaction's pair
            facts.paired_mentees.discard(ids[20])
            facts.loads[ids[11]] -= 1
        return facts

    monkeypatch.setattr(_PairFacts, "load", stale_once)
    formed, skipped = await world.pairing.apply_batch(
        COORDINATOR,
        world.programme_id,
        [(ids[10], ids[21]), (ids[11], ids[20]), (ids[10], ids[22])],
    )

    assert calls == 4  # the chunk, then each of its three pairs on its own
    assert formed == 2
    assert [(a.person_id, b.person_id, code) for a, b, code in skipped] == [
        (ids[11], ids[20], Refusal.HAS_MENTOR)
    ]
    async with world.db.read() as s:
        active = set(
            await s.execute(
                select(Pairing.mentor_id, Pairing.mentee_id).where(
                    Pairing.status == PairingStatus.ACTIVE
                )
            )
        )
    assert active == {(ids[11], ids[20]), (ids[10], ids[21]), (ids[10], ids[22])}
    assert await world.outbox_count() == before + 4


async def test_ending_tells_the_other_side_and_history_blocks_a_repeat(world: World) -> None:
    pair = await world.pair(10, 20)
    ended = await world.pairing.end(20, pair.id, reason="moved hospital", rating=4)
    assert ended.status == PairingStatus.ENDED
    async with world.db.read() as s:
        notice = await s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "pair_ended"))
    assert notice is not None and notice.chat_id == 10
    await _refused(world.pairing.end(20, pair.id, reason="", rating=None), Refusal.ALREADY_ENDED)
    await _refused(world.pair(10, 20), Refusal.PAIRED_BEFORE)
    again = await world.pair(10, 20, insist=True)
    assert again.status == PairingStatus.ACTIVE


async def test_strangers_cannot_end_or_even_detect_a_pair(world: World) -> None:
    pair = await world.pair(10, 20)
    for stranger in (21, 11, 999):
        await _refused(
            world.pairing.end(stranger, pair.id, reason="x", rating=None), Refusal.NOT_YOURS
        )
    await _refused(world.pairing.end(21, 10_000, reason="x", rating=None), Refusal.NOT_YOURS)
    await _refused(world.pairing.end(20, pair.id, reason="x", rating=9), Refusal.BAD_RATING)
    coordinator_end = await world.pairing.end(COORDINATOR, pair.id, reason="", rating=None)
    assert coordinator_end.status == PairingStatus.ENDED


async def test_deleting_my_data_ends_my_pairs_and_forgets_my_messages(world: World) -> None:
    await world.pair(10, 20)
    await world.pair(10, 21)
    assert await world.people.delete_personal_data(10) is True
    assert await world.pairing.pairs_of(20, as_role=Role.MENTEE) == []
    async with world.db.read() as s:
        rows = (await s.scalars(select(OutboxMessage))).all()
    assert all(r.chat_id != 10 for r in rows)  # nothing left addressed to the deleted mentor
    assert sorted(r.chat_id for r in rows if r.kind == "pair_ended") == [20, 21]
    await world.pair(11, 20)  # the mentees can be paired again at once


async def test_an_ended_pair_is_never_suggested_again(world: World) -> None:
    _, first = await world.pairing.suggestions(COORDINATOR, world.programme_id, world.ids[20])
    assert {s.mentor.person_id for s in first} == {world.ids[10], world.ids[11]}
    pair = await world.pair(10, 20)
    await world.pairing.end(20, pair.id, reason="", rating=None)
    _, after = await world.pairing.suggestions(COORDINATOR, world.programme_id, world.ids[20])
    assert [s.mentor.person_id for s in after] == [world.ids[11]]


# -- after an ending: the mentee's new match, and pairing the same two again ----------------


async def _told(world: World, *kinds: str) -> dict[tuple[int, str], OutboxMessage]:
    """The outbox rows of these kinds, by (chat, kind)."""
    async with world.db.read() as s:
        rows = (await s.scalars(select(OutboxMessage).where(OutboxMessage.kind.in_(kinds)))).all()
    return {(r.chat_id, r.kind): r for r in rows}


def _pair_now(world: World, mentee: int) -> list[list[dict[str, str]]]:
    """The coordinator's one-tap /pair button for a waiting mentee (the coordinator reads en)."""
    text = t("en", "end.offer.pair_now", name=f"Person {mentee}")
    return [[{"text": text, "callback_data": f"pm:{world.programme_id}:{world.ids[mentee]}"}]]


async def test_an_ended_mentee_waits_again_and_the_coordinators_are_told(world: World) -> None:
    pair = await world.pair(10, 20)
    ended = await world.pairing.end(10, pair.id, reason="no_time", rating=3)
    assert ended.ended_by == Role.MENTOR and ended.status == PairingStatus.ENDED
    assert ended.offer is not None and ended.offer.state == "waiting"
    told = await _told(world, "pair_ended", "mentee_waiting")
    assert set(told) == {(20, "pair_ended"), (COORDINATOR, "mentee_waiting")}
    assert told[20, "pair_ended"].payload == {"text": t("es", "pair.ended.mentee")}
    notice = told[COORDINATOR, "mentee_waiting"].payload
    assert "Person 20" in notice["text"] and "Person 10" in notice["text"]
    assert notice["buttons"] == _pair_now(world, 20)


async def test_a_mentor_deleting_their_data_also_puts_the_mentee_on_the_list(world: World) -> None:
    await world.pair(10, 20)
    assert await world.people.delete_personal_data(10) is True
    told = await _told(world, "pair_ended", "mentee_waiting")
    assert told[20, "pair_ended"].payload == {"text": t("es", "pair.ended.mentee")}
    assert told[COORDINATOR, "mentee_waiting"].payload["buttons"] == _pair_now(world, 20)


async def test_in_a_choice_programme_the_mentee_is_offered_other_mentors(world: World) -> None:
    await world.programmes.update_settings(COORDINATOR, world.programme_id, pairing_mode="choice")
    pair = await world.pair(10, 20)
    ended = await world.pairing.end(10, pair.id, reason="no_fit", rating=2)
    assert ended.offer is not None and ended.offer.state == "choose"
    assert [s.mentor.person_id for s in ended.offer.suggestions] == [world.ids[11]]
    told = await _told(world, "pair_ended", "mentee_waiting")
    assert set(told) == {(20, "pair_ended")}  # mentors to ask: no coordinator needed
    offer = told[20, "pair_ended"].payload
    assert "Person 11" in offer["text"] and "Person 10" not in offer["text"]
    ask = t("es", "findmentor.ask", name="Person 11")
    assert offer["buttons"] == [
        [{"text": ask, "callback_data": f"rq:r:{world.programme_id}:{world.ids[11]}"}]
    ]

    # Mentor 11 full, mentor 10 paired with her before: nobody left, so coordinators help.
    await world.pair(11, 21)
    await world.pair(11, 22)
    second = await world.pair(10, 23)
    ended = await world.pairing.end(23, second.id, reason="other", rating=4)
    assert ended.ended_by == Role.MENTEE
    assert ended.offer is not None and ended.offer.state == "nobody"
    told = await _told(world, "pair_ended", "mentee_waiting")
    assert (23, "pair_ended") not in told  # she ended it: her reply carries the offer
    assert told[COORDINATOR, "mentee_waiting"].payload["buttons"] == _pair_now(world, 23)


async def test_a_coordinator_ending_a_pair_rates_it_and_is_not_told_again(world: World) -> None:
    pair = await world.pair(10, 20)
    ended = await world.pairing.end(COORDINATOR, pair.id, reason="finished", rating=5)
    assert ended.ended_by == Role.COORDINATOR
    assert ended.offer is not None and ended.offer.coordinators_told
    told = await _told(world, "pair_ended", "mentee_waiting")
    assert set(told) == {(10, "pair_ended"), (20, "pair_ended")}  # her reply says the rest
    async with world.db.read() as s:
        stored = await s.get(Pairing, pair.id)
    assert stored is not None and stored.end_rating == 5


async def test_a_coordinator_sees_the_earlier_pair_before_insisting(world: World) -> None:
    pair = await world.pair(10, 20)
    await world.pairing.end(20, pair.id, reason="no_fit", rating=2)
    pid, mentor, mentee = world.programme_id, world.ids[10], world.ids[20]
    before = await world.pairing.previous_pair(COORDINATOR, pid, mentor, mentee)
    assert (before.mentor.name, before.mentee.name) == ("Person 10", "Person 20")
    assert (before.ended_on, before.reason, before.rating) == (
        world.clock.now().date(), "no_fit", 2
    )  # fmt: skip
    earlier = await world.pairing.previous_mentors(COORDINATOR, pid, mentee)
    assert [m.person_id for m in earlier] == [mentor]
    assert await world.pairing.previous_mentors(COORDINATOR, pid, world.ids[21]) == []
    for attempt in (
        world.pairing.previous_pair(20, pid, mentor, mentee),
        world.pairing.previous_mentors(20, pid, mentee),
    ):
        with pytest.raises(NotCoordinator):
            await attempt
    await _refused(world.pair(10, 20), Refusal.PAIRED_BEFORE)
    assert (await world.pair(10, 20, insist=True)).status == PairingStatus.ACTIVE
