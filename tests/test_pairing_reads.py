"""``/mymentor``, ``/mymentees`` and a coordinator's list of pairs on both databases: the same
views the pairing itself returned, oldest pair first, ended pairs gone, nobody else's pairs —
and one SELECT however many mentees a mentor has."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.clock import ManualClock
from bot.services.matching import Reason
from bot.services.pairing import PairingService, PairView
from bot.services.people import PeopleService
from bot.services.programmes import NotCoordinator, ProgrammeService
from storage.database import Database
from storage.models import PairingStatus, Person, PersonStatus, Role
from tests.reads import COORDINATOR, counted, two_programmes

pytestmark = pytest.mark.asyncio

BRUNO, DORA = 10, 11  # mentors
ANA, CARLA, DIEGO = 20, 21, 22  # mentees
STRANGER = 99  # never joined


class World:
    """Two programmes: Bruno mentors in the default one, Dora in "Rural Surgery"; Ana is a
    mentee of both, Carla and Diego of the default one only."""

    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.db, self.clock = db, clock
        self.people = PeopleService(db, clock, coordinator_ids=frozenset({COORDINATOR}))
        self.programmes = ProgrammeService(db, clock)
        self.pairing = PairingService(db, clock)
        self.ids: dict[int, int] = {}

    async def build(self) -> World:
        joined = {BRUNO: ("Bruno", Role.MENTOR), DORA: ("Dora", Role.MENTOR),
                  ANA: ("Ana", Role.MENTEE), CARLA: ("Carla", Role.MENTEE),
                  DIEGO: ("Diego", Role.MENTEE)}  # fmt: skip
        second = {ANA: Role.MENTEE, DORA: Role.MENTOR}
        self.default, self.second, self.ids = await two_programmes(
            self.people, self.programmes, joined, also_second=second
        )
        return self

    async def pair(self, programme_id: int, mentor: int, mentee: int, **kw: Any) -> PairView:
        self.clock.advance(timedelta(minutes=1))  # pairs are listed oldest first
        return await self.pairing.pair(
            COORDINATOR, programme_id, self.ids[mentor], self.ids[mentee], **kw
        )


@pytest.fixture
async def world(db: Database, clock: ManualClock) -> World:
    return await World(db, clock).build()


async def test_a_mentor_sees_every_mentee_in_one_statement(world: World) -> None:
    why = (Reason("same_field", {"field": "paediatrics"}), Reason("hours_apart", {"hours": 3}))
    formed = [
        await world.pair(world.default, BRUNO, ANA, reasons=why),
        await world.pair(world.default, BRUNO, CARLA),
        await world.pair(world.default, BRUNO, DIEGO),
    ]
    with counted(world.db) as statements:
        listed = await world.pairing.pairs_of(BRUNO, as_role=Role.MENTOR)
    assert len(statements) == 1
    # Exactly what forming the pairs returned: ids, names, programme, status and reasons.
    assert listed == formed
    assert [(p.mentee_name, p.programme_name) for p in listed] == [
        ("Ana", "Preceptor"),
        ("Carla", "Preceptor"),
        ("Diego", "Preceptor"),
    ]
    assert listed[0].reasons == why and listed[0].status == PairingStatus.ACTIVE
    assert await world.pairing.pairs_of(BRUNO, as_role=Role.MENTEE) == []


async def test_a_mentee_sees_her_current_mentors_oldest_first(world: World) -> None:
    first = await world.pair(world.default, BRUNO, ANA)
    second = await world.pair(world.second, DORA, ANA)
    await world.pair(world.default, BRUNO, CARLA)
    listed = await world.pairing.pairs_of(ANA, as_role=Role.MENTEE)
    assert listed == [first, second]
    assert [(p.mentor_name, p.programme_name) for p in listed] == [
        ("Bruno", "Preceptor"),
        ("Dora", "Rural Surgery"),
    ]
    await world.pairing.end(ANA, first.id, reason="", rating=None)
    assert await world.pairing.pairs_of(ANA, as_role=Role.MENTEE) == [second]
    assert [p.mentee_name for p in await world.pairing.pairs_of(BRUNO, as_role=Role.MENTOR)] == [
        "Carla"
    ]
    assert await world.pairing.pairs_of(DIEGO, as_role=Role.MENTEE) == []
    assert await world.pairing.pairs_of(STRANGER, as_role=Role.MENTEE) == []


async def test_a_person_without_a_name_is_shown_as_a_dash(world: World) -> None:
    await world.pair(world.default, BRUNO, ANA)
    async with world.db.session() as s:
        await s.execute(
            update(Person).where(Person.id == world.ids[BRUNO]).values(display_name=None)
        )
    [pair] = await world.pairing.pairs_of(ANA, as_role=Role.MENTEE)
    assert (pair.mentor_name, pair.mentee_name) == ("—", "Ana")


async def test_a_deleted_person_sees_no_pairs(world: World) -> None:
    await world.pair(world.default, BRUNO, ANA)
    await world.pair(world.default, BRUNO, CARLA)
    assert await world.people.delete_personal_data(ANA)
    assert await world.pairing.pairs_of(ANA, as_role=Role.MENTEE) == []
    assert [p.mentee_name for p in await world.pairing.pairs_of(BRUNO, as_role=Role.MENTOR)] == [
        "Carla"
    ]
    async with world.db.session() as s:  # paused people still see their pairs
        await s.execute(
            update(Person).where(Person.id == world.ids[BRUNO]).values(status=PersonStatus.PAUSED)
        )
    assert len(await world.pairing.pairs_of(BRUNO, as_role=Role.MENTOR)) == 1


async def test_a_coordinator_lists_one_programmes_pairs(world: World) -> None:
    bruno_ana = await world.pair(world.default, BRUNO, ANA)
    await world.pair(world.second, DORA, ANA)
    bruno_diego = await world.pair(world.default, BRUNO, DIEGO)
    with counted(world.db) as statements:
        listed = await world.pairing.programme_pairs(COORDINATOR, world.default)
    assert listed == [bruno_ana, bruno_diego]
    assert sum("FROM pairings" in statement for statement in statements) == 1
    with pytest.raises(NotCoordinator):
        await world.pairing.programme_pairs(BRUNO, world.default)
