"""SIGKILL the real bot (``python -m bot run``) while its sweeps claim hundreds of due check-ins,
start it again (twice), and every due prompt is claimed exactly once and reaches its person.

The only change to the production process is the sweep interval (one second instead of a
minute, through ``SWEEP_SECONDS``), so that the test waits seconds, not
minutes. Claims are rows (``CheckIn``, unique per person and period and per person and day)
written in the same transaction as their outbox rows, so a kill can only lose a whole
uncommitted batch, which the next process claims again. Delivery is the outbox's: a message
Telegram confirmed is never sent again, except one in flight at the instant of the kill
(its outcome unknown: resent once, see README "Delivery guarantees") — the test checks that
any duplicate is exactly such a row.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.i18n import t
from storage.database import Database
from storage.models import (
    CheckIn,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonStatus,
    Profile,
    Programme,
    Role,
    Schedule,
)
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.test_restart import bot_process, kill

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

PEOPLE = 250
FIRST = 500_000


async def _seed(db: Database) -> None:
    """PEOPLE onboarded mentees whose weekly pulse became due a minute ago (real time)."""
    now = datetime.now(UTC)
    async with db.session() as s:
        programme = Programme(name="P", is_default=True, settings={}, created_at=now)
        s.add(programme)
        people = [
            Person(
                telegram_id=FIRST + n,
                display_name=f"M{n}",
                language="es" if n % 2 else "en",
                timezone="UTC",
                status=PersonStatus.ACTIVE,
                consent_at=now,
                onboarded_at=now,
                created_at=now,
                updated_at=now,
            )
            for n in range(PEOPLE)
        ]
        s.add_all(people)
        await s.flush()
        due = now - timedelta(minutes=1)
        for person in people:
            s.add(Membership(person_id=person.id, programme_id=programme.id, role=Role.MENTEE,
                             joined_at=now))  # fmt: skip
            s.add(Profile(person_id=person.id, interests=[], languages=[], updated_at=now,
                          checkin_day=due.weekday(), checkin_hour=due.hour))  # fmt: skip
            s.add(Schedule(person_id=person.id, kind="pulse", next_due_at=due, step=0,
                           updated_at=now))  # fmt: skip


def _pulses(user: FakeUser, lang: str) -> int:
    return sum(1 for m in user.inbox if m.text == t(lang, "checkins.pulse.ask"))


async def _received(users: list[FakeUser]) -> int:
    return sum(_pulses(u, "es" if i % 2 else "en") > 0 for i, u in enumerate(users))


async def _wait_for(users: list[FakeUser], at_least: int, within: float) -> None:
    async with asyncio.timeout(within):
        while await _received(users) < at_least:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def fast_sweeping_bot(
    fake: FakeTelegram, database_url: str, workdir: Path
) -> Callable[[], AsyncIterator[asyncio.subprocess.Process]]:
    """``python -m bot run`` (``tests.test_restart.bot_process``) sweeping every second."""
    return bot_process(fake, database_url, workdir, SWEEP_SECONDS="1")


async def test_every_due_prompt_is_claimed_once_across_sigkills(
    fake: FakeTelegram, db: Database, tmp_path: Path
) -> None:
    await _seed(db)
    users = [fake.user(FIRST + n, f"M{n}") for n in range(PEOPLE)]
    run = fast_sweeping_bot(fake, db.url.render_as_string(hide_password=False), tmp_path)
    for target in (1, 40):  # kill as soon as sends start, then again mid-way
        async with run() as process:
            await _wait_for(users, target, within=60)
            await kill(process)
    async with run():
        await _wait_for(users, PEOPLE, within=120)
        await asyncio.sleep(1.5)  # a few more sweeps: nothing more may come

    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(CheckIn)) == PEOPLE
        rows = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "checkin")))
        remaining = await s.scalar(
            select(func.count()).select_from(Schedule).where(Schedule.next_due_at <= func.now())
        )
    assert remaining == 0
    assert len(rows) == PEOPLE  # one message per person was ever queued
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    resent = {r.chat_id for r in rows if r.unknown_outcomes > 0}
    for n, user in enumerate(users):
        count = _pulses(user, "es" if n % 2 else "en")
        assert count == 1 or (count == 2 and user.id in resent), (user.id, count)
