"""Run the real bot Application in-process against the fake Bot API, as ``run`` would.

``running_bot`` goes through ``build_application`` (the production composition) and starts long
polling over HTTP, so every test exercises serialization, keyboards, callbacks and limits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from telegram import Update

from bot.app import build_application
from bot.clock import Clock, ManualClock
from bot.config import Settings
from bot.context import PreceptorApp
from bot.services import Services
from storage.database import Database
from storage.models import OutboxStatus
from tests.fake_telegram import FakeTelegram


def settings_for(
    fake: FakeTelegram, database_url: str, *, coordinator_ids: frozenset[int] = frozenset()
) -> Settings:
    """Settings pointing the bot at the fake server, ignoring any .env of the machine."""
    return Settings(
        _env_file=None,
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        telegram_api_file_url=fake.base_file_url,
        database_url=database_url,
        coordinator_ids=coordinator_ids,
        default_timezone="UTC",
        default_language="en",
    )


@dataclass
class BotHarness:
    """A running bot and what a test needs to look inside it."""

    app: PreceptorApp
    fake: FakeTelegram

    @property
    def services(self) -> Services:
        """The bot's domain services (to check what was stored)."""
        services = self.app.bot_data.services
        assert services is not None
        return services


@asynccontextmanager
async def running_bot(
    fake: FakeTelegram,
    db: Database,
    *,
    clock: Clock | None = None,
    coordinator_ids: frozenset[int] = frozenset(),
    request_timeout: float = 2.0,
    messages_per_second: float | None = 30,
) -> AsyncIterator[BotHarness]:
    """Start the bot exactly like ``run_polling`` does, and stop it cleanly afterwards.

    ``messages_per_second=None`` lifts Telegram's overall limit (for tests that send
    thousands of messages and are not about the limit).
    """
    settings = settings_for(
        fake, db.url.render_as_string(hide_password=False), coordinator_ids=coordinator_ids
    )
    app = build_application(
        settings,
        db,
        clock=clock,
        request_timeout=request_timeout,
        messages_per_second=messages_per_second,
        dispose_db_on_shutdown=False,
    )
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
    await app.start()
    try:
        yield BotHarness(app=app, fake=fake)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


FINAL = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.BLOCKED)


async def until(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Wait until ``check()`` holds, polling; fail after ``within`` seconds."""
    async with asyncio.timeout(within):
        # Rows change in the database, which has no event to wait on: poll it.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def deliver_everything(
    services: Services, clock: ManualClock, *, rounds: int = 30
) -> dict[OutboxStatus, int]:
    """Let the delivery worker finish: whenever it is idle with rows still owed a retry,
    move the clock on ten minutes. Returns the final counts per status.

    Raises:
        AssertionError: rows were still not final after ``rounds`` moves of the clock.
    """
    outbox = services.outbox

    async def idle() -> bool:
        stats = await outbox.stats()
        return stats[OutboxStatus.SENDING] == 0 and not await outbox.has_due()

    moves = 0
    while moves < rounds:
        await until(idle, within=30)
        stats = await outbox.stats()
        if stats[OutboxStatus.SENDING]:  # claimed between the two looks: not idle after all
            continue
        if stats[OutboxStatus.PENDING] == stats[OutboxStatus.UNCERTAIN] == 0:
            return stats
        clock.advance(timedelta(minutes=10))
        outbox.notify()
        moves += 1
    raise AssertionError(f"the outbox did not settle: {await outbox.stats()}")
