"""A broadcast survives crashes: a fan-out killed between chunks resumes without duplicates, and
a real ``python -m bot run`` SIGKILLed mid-broadcast resumes on restart — every recipient gets
the announcement exactly once and the final report is right.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.i18n import t
from bot.services.broadcasts import BroadcastService
from storage.database import Database
from storage.models import (
    Broadcast,
    Membership,
    OutboxMessage,
    Person,
    PersonStatus,
    Programme,
    Role,
)
from tests.fake_telegram import FakeTelegram
from tests.harness import until
from tests.test_broadcasts_bot import has_text, seed_people
from tests.test_restart import bot_process, kill

pytestmark = pytest.mark.asyncio

COORDINATOR = 900


async def seed_programme(db: Database, at: datetime) -> int:
    """The default programme with coordinator 900 (who has not finished onboarding: no need)."""
    async with db.session() as s:
        programme = Programme(name="Rural", is_default=True, settings={}, created_at=at)
        carla = Person(telegram_id=COORDINATOR, display_name="Carla", language="en",
                       status=PersonStatus.ACTIVE, consent_at=at, onboarded_at=at,
                       created_at=at, updated_at=at)  # fmt: skip
        s.add_all([programme, carla])
        await s.flush()
        s.add(Membership(person_id=carla.id, programme_id=programme.id, role=Role.COORDINATOR,
                         joined_at=at))  # fmt: skip
        return programme.id


class Crash(Exception):
    """The process "dies" here."""


async def test_a_fan_out_interrupted_between_chunks_resumes_without_duplicates(
    db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    programme_id = await seed_programme(db, clock.now())
    await seed_people(db, programme_id, 2000, 40, at=clock.now())
    first = BroadcastService(db, clock, chunk=7)
    draft = await first.draft(COORDINATOR, "Hello")
    await first.choose_audience(COORDINATOR, draft.id, programme_id, "all")
    await first.send_now(COORDINATOR, draft.id, chat_id=COORDINATOR, message_id=1)

    real = BroadcastService._insert_copies
    calls = 0

    async def dies_on_the_third_chunk(self, s, row, people):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        await real(self, s, row, people)
        if calls == 3:
            raise Crash  # after writing: the transaction rolls back, as in a crash

    monkeypatch.setattr(BroadcastService, "_insert_copies", dies_on_the_third_chunk)
    with pytest.raises(Crash):
        await first.fan_out(draft.id)
    monkeypatch.setattr(BroadcastService, "_insert_copies", real)
    async with db.read() as s:
        queued = await s.scalar(select(func.count()).where(OutboxMessage.ref == f"b:{draft.id}"))
    assert queued == 14  # two chunks committed, the third rolled back

    # A new process (fresh memory), twice at once: the rest is queued, nothing twice.
    again, other = BroadcastService(db, clock, chunk=7), BroadcastService(db, clock, chunk=5)
    await asyncio.gather(again.fan_out(draft.id), other.fan_out(draft.id))
    assert await again.fan_out(draft.id) == 0
    async with db.read() as s:
        people = Counter(
            await s.scalars(
                select(OutboxMessage.person_id).where(OutboxMessage.ref == f"b:{draft.id}")
            )
        )
        total = await s.scalar(select(Broadcast.total).where(Broadcast.id == draft.id))
    assert len(people) == 40 and set(people.values()) == {1}
    assert total == 40


@pytest.mark.slow
async def test_a_broadcast_survives_sigkill_and_everyone_gets_it_once(
    fake: FakeTelegram, db: Database, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTBOX_RESEND_PAUSE_SECONDS", "1")
    now = datetime.now(UTC)
    programme_id = await seed_programme(db, now)
    size = 120
    await seed_people(db, programme_id, 2000, size + 1, at=now)
    users = [fake.user(2000 + n, f"U{n}") for n in range(size)]  # 2000 + size: left Telegram
    carla = fake.user(COORDINATOR, "Carla")
    run = bot_process(fake, db.url.render_as_string(hide_password=False), tmp_path)

    def delivered() -> int:
        return sum(1 for u in users if u.inbox)

    async with run() as process:
        await carla.send("/broadcast")
        await carla.receive(timeout=30)
        await carla.send("Clinic closed on Friday")
        pick = await carla.receive(timeout=10)
        await carla.press(t("en", "broadcast.audience.all", programme="Rural"), message=pick)
        await carla.wait_edited(pick)
        await carla.press(t("en", "broadcast.send_now"), message=pick)

        async def a_third_out() -> bool:
            return delivered() >= size // 3

        await until(a_third_out, within=30)
        # Hold every further send unanswered (never applied), so that at the moment of the
        # kill no copy Telegram accepted is still unrecorded: "exactly once" is then exact.
        held = fake.faults.inject("timeout", method="sendMessage", times=None, delay=60)

        async def holding() -> bool:
            return held.fired > 0

        await until(holding, within=10)
        await asyncio.sleep(0.5)
        await kill(process)
    fake.faults.clear()
    assert delivered() < size

    async with run():

        async def everyone() -> bool:
            return delivered() == size and await has_text(carla, "is done")

        await until(everyone, within=60)
    assert all(len(u.inbox) == 1 for u in users)
    report = next(m.text or "" for m in carla.inbox if "is done" in (m.text or ""))
    assert f"{size} of {size + 1} received it, 1 could not be reached" in report
