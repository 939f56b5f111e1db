"""``broadcast``: one announcement to N people through the outbox, against Telegram's limit.

Setup: the fake Bot API in a child process with 60 ms added to every call; N mentees and a
coordinator written straight to a fresh database; the coordinator's broadcast is started
through the services exactly as *Send now* does (draft, audience, start, fan-out), and the
real Application (delivery worker, rate limiter, progress job) sends it.

Results:
- ``broadcast-limited``: with the fake enforcing 30 messages/s and our limiter at 30/s, the
  steady rate (the middle 80 % of the copies) as a ratio of 30, plus lost and duplicated
  recipients, 429s and progress edits.
- ``broadcast-unlimited``: both limits lifted, our end-to-end rate against a bare PTB
  ``send_message`` loop with as many sends in flight as our worker allows for bulk rows.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from telegram import Bot
from telegram.request import HTTPXRequest

from bench.remote import RemoteFake
from bot.app import build_application
from bot.config import Settings
from bot.context import PreceptorApp
from bot.services.broadcasts import BroadcastService
from storage.database import Database
from storage.migrate import upgrade
from storage.models import Membership, Person, PersonStatus, Programme, Role

DEFAULT_SIZE = 10_000
LATENCY = 0.06
LIMIT = 30.0
FIRST = 1_000_000
COORDINATOR = 999
BULK_IN_FLIGHT = 8  # DeliveryWorker's default bulk_concurrency (16 // 2)
TEXT = "Reminder: the regional teaching day is on Saturday at 9:00 in the district hospital."


async def _seed(db: Database, size: int) -> int:
    now = datetime.now(UTC)
    async with db.session() as s:
        programme = Programme(name="Bench", is_default=True, settings={}, created_at=now)
        s.add(programme)
        await s.flush()
        people = [
            Person(telegram_id=tid, display_name=f"P{tid}", language="en",
                   status=PersonStatus.ACTIVE, consent_at=now, onboarded_at=now,
                   created_at=now, updated_at=now)
            for tid in [COORDINATOR, *range(FIRST, FIRST + size)]
        ]  # fmt: skip
        s.add_all(people)
        await s.flush()
        s.add_all(
            Membership(person_id=p.id, programme_id=programme.id, joined_at=now,
                       role=Role.COORDINATOR if n == 0 else Role.MENTEE)
            for n, p in enumerate(people)
        )  # fmt: skip
        return programme.id


async def _start(app: PreceptorApp) -> None:
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()


async def _stop(app: PreceptorApp) -> None:
    await app.stop()
    await app.shutdown()


async def _ours(url: str, size: int, *, limited: bool) -> dict[str, object]:
    """Send one broadcast to ``size`` people through our bot; the child's tally afterwards."""
    db = Database(url)
    await upgrade(db)
    programme_id = await _seed(db, size)
    async with RemoteFake() as fake:
        await fake.users(FIRST, size)
        await fake.users(COORDINATOR, 1)
        await fake.configure(latency=LATENCY, per_second=LIMIT if limited else None)
        settings = Settings(_env_file=None, telegram_bot_token=fake.token,
                            telegram_api_base_url=fake.base_url, database_url=url)  # fmt: skip
        app = build_application(
            settings, db, messages_per_second=LIMIT if limited else None,
            dispose_db_on_shutdown=False,
        )  # fmt: skip
        await _start(app)
        services = app.bot_data.services
        assert services is not None
        broadcasts: BroadcastService = services.broadcasts
        progress = await app.bot.send_message(COORDINATOR, "…")
        draft = await broadcasts.draft(COORDINATOR, TEXT)
        await broadcasts.choose_audience(COORDINATOR, draft.id, programme_id, "all")
        started = time.monotonic()
        await broadcasts.send_now(COORDINATOR, draft.id, chat_id=COORDINATOR,
                                  message_id=progress.message_id)  # fmt: skip
        await broadcasts.fan_out(draft.id)
        services.outbox.notify()
        while True:
            tally = await fake.tally(FIRST, size)
            if tally["delivered"] == size:
                break
            await asyncio.sleep(0.5)
        elapsed = time.monotonic() - started
        while (await broadcasts.get(COORDINATOR, draft.id)).status.value != "done":  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        await asyncio.sleep(1)  # the final edit and report go out
        tally = await fake.tally(FIRST, size)
        await _stop(app)
    await db.dispose()
    return {**tally, "elapsed": elapsed}


def _steady(times: list[float]) -> float:
    """Sends per second over the middle 80 % of the copies (start-up and tail left out)."""
    low, high = int(len(times) * 0.1), int(len(times) * 0.9)
    span = times[high - 1] - times[low]
    return (high - 1 - low) / span if span > 0 else float("nan")


async def _bare_loop(size: int) -> float:
    """A plain PTB ``send_message`` loop, ``BULK_IN_FLIGHT`` at a time, no storage at all."""
    async with RemoteFake() as fake:
        await fake.users(FIRST, size)
        await fake.configure(latency=LATENCY, per_second=None)
        bot = Bot(fake.token, base_url=fake.base_url,
                  request=HTTPXRequest(connection_pool_size=64))  # fmt: skip
        chats = iter(range(FIRST, FIRST + size))
        async with bot:
            started = time.monotonic()

            async def worker() -> None:
                for chat in chats:
                    await bot.send_message(chat, TEXT)

            await asyncio.gather(*(worker() for _ in range(BULK_IN_FLIGHT)))
            return size / (time.monotonic() - started)


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    """The limited run (ratio to 30/s) and the unlimited one (ratio to a bare loop), on SQLite
    (the store that serialises every write: the harder case for the outbox)."""
    size = args.size or DEFAULT_SIZE
    with TemporaryDirectory() as tmp:
        limited = await _ours(f"sqlite+aiosqlite:///{Path(tmp) / 'a.db'}", size, limited=True)
        unlimited = await _ours(f"sqlite+aiosqlite:///{Path(tmp) / 'b.db'}", size, limited=False)
    bare = await _bare_loop(size)
    times = limited["times"]
    assert isinstance(times, list)
    rate = _steady(times)
    ours = size / float(str(unlimited["elapsed"]))
    return [
        {
            "bench": f"broadcast-limited-sqlite-{size}",
            "value": round(rate, 2),
            "unit": "messages/s steady",
            "baseline": LIMIT,
            "ratio": round(rate / LIMIT, 3),
            "lost": size - int(str(limited["delivered"])),
            "duplicated": limited["duplicated"],
            "throttled_429": limited["throttled"],
            "progress_edits": limited["edits"],
            "seconds": round(float(str(limited["elapsed"])), 1),
        },
        {
            "bench": f"broadcast-unlimited-sqlite-{size}-vs-bare-ptb-loop",
            "value": round(ours, 1),
            "unit": "messages/s",
            "baseline": round(bare, 1),
            "ratio": round(ours / bare, 3),
            "in_flight": BULK_IN_FLIGHT,
            "lost": size - int(str(unlimited["delivered"])),
            "duplicated": unlimited["duplicated"],
        },
    ]
