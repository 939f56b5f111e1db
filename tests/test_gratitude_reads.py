"""What ``/gratitude`` reads, on both databases: the newest notes a person received with the
sender, the programme and the day in the reader's timezone, and how many there are in all —
in one SELECT, whatever the number of notes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.clock import ManualClock
from bot.services.gratitude import GratitudeService, Received, ReceivedNote
from bot.services.pairing import PairingService, PairView
from bot.services.people import PeopleService
from bot.services.profile import Step
from bot.services.programmes import ProgrammeService
from storage.database import Database
from storage.models import Person, Role
from tests.reads import COORDINATOR, counted, two_programmes

pytestmark = pytest.mark.asyncio

BRUNO, DORA = 10, 11  # mentors
ANA, DIEGO = 20, 21  # mentees
STRANGER = 99  # never joined


@pytest.fixture
async def services(
    db: Database, clock: ManualClock
) -> tuple[PeopleService, PairingService, GratitudeService, dict[int, PairView]]:
    """Bruno mentors Ana and Diego in the default programme, Dora mentors Ana in another one;
    Bruno reads in Lima time. Returns the services and each mentee's pair, by Telegram id."""
    people = PeopleService(db, clock, coordinator_ids=frozenset({COORDINATOR}))
    programmes, pairing = ProgrammeService(db, clock), PairingService(db, clock)
    joined = {BRUNO: ("Bruno", Role.MENTOR), DORA: ("Dora", Role.MENTOR),
              ANA: ("Ana", Role.MENTEE), DIEGO: ("Diego", Role.MENTEE)}  # fmt: skip
    default, second, ids = await two_programmes(
        people, programmes, joined, also_second={ANA: Role.MENTEE, DORA: Role.MENTOR}
    )
    await people.answer(BRUNO, Step.TIMEZONE, "America/Lima")
    pairs = {
        ANA: await pairing.pair(COORDINATOR, default, ids[BRUNO], ids[ANA]),
        DIEGO: await pairing.pair(COORDINATOR, default, ids[BRUNO], ids[DIEGO]),
        -ANA: await pairing.pair(COORDINATOR, second, ids[DORA], ids[ANA]),
    }
    return people, pairing, GratitudeService(db, clock), pairs


async def test_the_newest_notes_and_the_total_come_in_one_statement(
    db: Database,
    clock: ManualClock,
    services: tuple[PeopleService, PairingService, GratitudeService, dict[int, PairView]],
) -> None:
    _, _, gratitude, pairs = services
    clock.advance(datetime(2026, 11, 20, 2, 30, tzinfo=UTC) - clock.now())  # 21:30 in Lima
    for n in range(4):
        sender = ANA if n % 2 == 0 else DIEGO
        await gratitude.send(sender, pairs[sender].id, f"Note {n}")
        clock.advance(timedelta(days=1))
    await gratitude.send(ANA, pairs[-ANA].id, "For Dora")

    with counted(db) as statements:
        some = await gratitude.received(BRUNO, limit=3)
    assert len(statements) == 1
    assert some == Received(
        4,
        (
            ReceivedNote("Diego", "Preceptor", "Note 3", date(2026, 11, 22)),
            ReceivedNote("Ana", "Preceptor", "Note 2", date(2026, 11, 21)),
            ReceivedNote("Diego", "Preceptor", "Note 1", date(2026, 11, 20)),
        ),
    )
    every = await gratitude.received(BRUNO)
    assert every.total == 4 and every.notes[:3] == some.notes
    assert every.notes[3] == ReceivedNote("Ana", "Preceptor", "Note 0", date(2026, 11, 19))
    assert await gratitude.received(BRUNO, limit=0) == Received(4, ())
    # Dora reads in UTC; Ana, who only wrote, and a stranger have nothing.
    assert await gratitude.received(DORA) == Received(
        1, (ReceivedNote("Ana", "Rural Surgery", "For Dora", date(2026, 11, 24)),)
    )
    assert await gratitude.received(ANA) == Received(0, ())
    assert await gratitude.received(STRANGER) == Received(0, ())


async def test_a_sender_without_a_name_is_a_dash(
    db: Database,
    clock: ManualClock,
    services: tuple[PeopleService, PairingService, GratitudeService, dict[int, PairView]],
) -> None:
    _, _, gratitude, pairs = services
    await gratitude.send(ANA, pairs[ANA].id, "Gracias")
    clock.advance(timedelta(seconds=1))
    await gratitude.send(DIEGO, pairs[DIEGO].id, "Thanks!")
    async with db.session() as s:
        await s.execute(
            update(Person).where(Person.telegram_id == DIEGO).values(display_name=None)
        )
    assert await gratitude.received(BRUNO) == Received(
        2,
        (
            ReceivedNote("—", "Preceptor", "Thanks!", date(2026, 11, 18)),
            ReceivedNote("Ana", "Preceptor", "Gracias", date(2026, 11, 18)),
        ),
    )
