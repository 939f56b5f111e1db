"""What ``/goals`` reads, on both databases: a mentee's own list and a mentor's view of their
mentees' goals — active ones by due date, the five latest finished, dropped ones gone, each
with its latest note; a mentor only sees the goals of their current mentee in that pair's
programme; nobody and deleted people are refused — each in one SELECT."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from bot.clock import ManualClock
from bot.services.goals import (
    DONE_SHOWN,
    GoalRefused,
    GoalService,
    GoalView,
    MenteeGoals,
    MentorGoals,
)
from bot.services.pairing import PairingService, PairView
from bot.services.people import PeopleService
from bot.services.programmes import ProgrammeService
from storage.database import Database
from storage.models import GoalStatus, Person, PersonStatus, Role
from tests.reads import COORDINATOR, counted, two_programmes

pytestmark = pytest.mark.asyncio

BRUNO, DORA, EVA = 10, 11, 12  # mentors
ANA, CARLA = 20, 21  # mentees
STRANGER = 99  # never joined


class World:
    """Bruno and Eva mentor in the default programme, Dora in "Rural Surgery"; Ana is a mentee
    of both programmes, Carla of the default one."""

    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.db, self.clock = db, clock
        self.people = PeopleService(db, clock, coordinator_ids=frozenset({COORDINATOR}))
        self.programmes = ProgrammeService(db, clock)
        self.pairing = PairingService(db, clock)
        self.goals = GoalService(db, clock)
        self.ids: dict[int, int] = {}

    async def build(self) -> World:
        joined = {BRUNO: ("Bruno", Role.MENTOR), DORA: ("Dora", Role.MENTOR),
                  EVA: ("Eva", Role.MENTOR), ANA: ("Ana", Role.MENTEE),
                  CARLA: ("Carla", Role.MENTEE)}  # fmt: skip
        second = {ANA: Role.MENTEE, DORA: Role.MENTOR}
        self.default, self.second, self.ids = await two_programmes(
            self.people, self.programmes, joined, also_second=second
        )
        return self

    async def pair(self, programme_id: int, mentor: int, mentee: int) -> PairView:
        self.clock.advance(timedelta(minutes=1))
        return await self.pairing.pair(
            COORDINATOR, programme_id, self.ids[mentor], self.ids[mentee]
        )

    async def goal(self, mentee: int, what: str, due: date) -> GoalView:
        self.clock.advance(timedelta(minutes=1))
        return await self.goals.create(
            mentee, what=what, measure="Measured", due_on=due, first_step="Start"
        )

    async def set_status(self, telegram_id: int, status: PersonStatus) -> None:
        """A status set directly, the Telegram id kept (a deletion would also clear it)."""
        async with self.db.session() as s:
            await s.execute(
                update(Person).where(Person.id == self.ids[telegram_id]).values(status=status)
            )


@pytest.fixture
async def world(db: Database, clock: ManualClock) -> World:
    return await World(db, clock).build()


async def test_lists_show_active_goals_by_due_date_then_the_latest_done(world: World) -> None:
    # An earlier pair in the other programme: her first goal belongs there.
    earlier = await world.pair(world.second, DORA, ANA)
    elsewhere = await world.goal(ANA, "Rural goal", date(2027, 1, 5))
    await world.pairing.end(ANA, earlier.id, reason="", rating=None)
    await world.pair(world.default, BRUNO, ANA)
    later = await world.goal(ANA, "Due later", date(2027, 6, 1))
    sooner = await world.goal(ANA, "Due sooner", date(2027, 2, 1))
    dropped = await world.goal(ANA, "Dropped", date(2027, 1, 1))
    await world.goals.drop(ANA, dropped.id)
    await world.goals.add_note(ANA, sooner.id, "First note")
    world.clock.advance(timedelta(minutes=1))
    await world.goals.add_note(ANA, sooner.id, "Latest note")
    await world.goals.set_progress(ANA, sooner.id, 50)  # no text: the latest note stays
    done = []
    for n in range(DONE_SHOWN + 1):
        goal = await world.goal(ANA, f"Done {n}", date(2027, 3, 1 + n))
        world.clock.advance(timedelta(hours=1))
        await world.goals.mark_done(ANA, goal.id)
        done.append(goal.id)

    with counted(world.db) as statements:
        mine = await world.goals.mine(ANA)
    assert len(statements) == 1
    listed = [(g.what, g.status, g.progress, g.last_note) for g in mine]
    assert listed == [
        ("Rural goal", GoalStatus.ACTIVE, 0, None),
        ("Due sooner", GoalStatus.ACTIVE, 50, "Latest note"),
        ("Due later", GoalStatus.ACTIVE, 0, None),
        *[(f"Done {n}", GoalStatus.DONE, 100, None) for n in range(DONE_SHOWN, 0, -1)],
    ]
    assert mine[0].id == elsewhere.id and mine[2] == later

    # Bruno, her only mentee's mentor, sees her goals at once — those of their programme.
    with counted(world.db) as statements:
        view = await world.goals.for_mentor(BRUNO)
    assert len(statements) == 1
    ana_id = world.ids[ANA]
    assert view.mentees == ((ana_id, "Ana"),)
    assert view.chosen == MenteeGoals(ana_id, "Ana", mine[1:])
    assert await world.goals.for_mentor(BRUNO, ana_id) == view
    # Dora's pair with her has ended: no mentee any more, her goal is not Dora's to see.
    assert await world.goals.for_mentor(DORA) == MentorGoals((), None)
    with pytest.raises(GoalRefused, match="not_yours"):
        await world.goals.for_mentor(DORA, ana_id)
    assert done[0] not in {g.id for g in mine}  # the oldest finished goal is not listed


async def test_a_mentor_of_several_picks_one_and_only_his_mentees(world: World) -> None:
    await world.pair(world.default, BRUNO, ANA)
    await world.pair(world.default, BRUNO, CARLA)
    await world.pair(world.second, DORA, ANA)
    await world.goal(ANA, "Ana's goal", date(2027, 2, 1))
    await world.goal(CARLA, "Carla's goal", date(2027, 2, 1))
    ana_id, carla_id = world.ids[ANA], world.ids[CARLA]

    with counted(world.db) as statements:
        view = await world.goals.for_mentor(BRUNO)
    assert len(statements) == 1
    assert view.mentees == ((ana_id, "Ana"), (carla_id, "Carla")) and view.chosen is None
    with counted(world.db) as statements:
        carla = await world.goals.for_mentor(BRUNO, carla_id)
    assert len(statements) == 1
    assert carla.mentees == view.mentees and carla.chosen is not None
    assert [g.what for g in carla.chosen.goals] == ["Carla's goal"]
    ana = await world.goals.for_mentor(BRUNO, ana_id)
    assert ana.chosen is not None and [g.what for g in ana.chosen.goals] == ["Ana's goal"]
    # Ana's goal went to her first pair's programme (Bruno's): Dora sees her, not the goal.
    dora = await world.goals.for_mentor(DORA)
    assert dora.mentees == ((ana_id, "Ana"),)
    assert dora.chosen == MenteeGoals(ana_id, "Ana", ())
    for mentor, mentee in ((DORA, carla_id), (EVA, ana_id), (BRUNO, world.ids[BRUNO])):
        with pytest.raises(GoalRefused, match="not_yours"):
            await world.goals.for_mentor(mentor, mentee)
    assert await world.goals.for_mentor(EVA) == MentorGoals((), None)


async def test_nobody_and_deleted_people_are_refused(world: World) -> None:
    await world.pair(world.default, BRUNO, ANA)
    await world.goal(ANA, "Ana's goal", date(2027, 2, 1))
    assert await world.goals.mine(CARLA) == ()  # a mentee without goals yet
    with pytest.raises(GoalRefused, match="not_yours"):
        await world.goals.mine(STRANGER)
    with pytest.raises(GoalRefused, match="not_yours"):
        await world.goals.for_mentor(STRANGER)
    await world.set_status(ANA, PersonStatus.PAUSED)  # paused people still see theirs
    assert [g.what for g in await world.goals.mine(ANA)] == ["Ana's goal"]
    await world.set_status(ANA, PersonStatus.DELETED)
    await world.set_status(BRUNO, PersonStatus.DELETED)
    with pytest.raises(GoalRefused, match="not_yours"):
        await world.goals.mine(ANA)
    with pytest.raises(GoalRefused, match="not_yours"):
        await world.goals.for_mentor(BRUNO)
    with pytest.raises(GoalRefused, match="not_yours"):
        await world.goals.for_mentor(BRUNO, world.ids[ANA])
