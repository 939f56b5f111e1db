"""``updates``: throughput of a real onboarding step against a no-op PTB handler.

Two baselines are measured side by side in the same run: the no-op handler the issue asks for,
and a handler that sends exactly our next question without touching storage — the ceiling for
any step that answers the person, since one Bot API call costs far more than a no-op update.

Both sides long-poll the same fake Bot API over HTTP (same transport), which runs in a child
process as Telegram runs elsewhere. The no-op
side is a bare PTB ``Application`` whose only handler returns at once. Our side is the real bot
from ``build_application``: N people each at the *name* question type their name; every update
loads the person and draft, validates the text, stores the answer (a write transaction), and
sends the next question. Telegram's 30 messages/s limit is lifted on both sides: it caps
sending, not what we measure here.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters

from bench.databases import compare_on_databases
from bench.remote import RemoteFake
from bot.app import build_application
from bot.clock import SystemClock
from bot.config import Settings
from bot.i18n import t
from bot.services.conversations import ConversationStore
from bot.services.people import PeopleService
from bot.services.profile import FIELDS, Step
from handlers.onboarding import ACTIVE
from handlers.ui import keyboard
from storage.database import Database
from storage.migrate import upgrade
from storage.models import Role

DEFAULT_SIZE = 2000
FIRST_USER = 1_000_000


def _names(size: int) -> list[str]:
    return [f"Person Number {n}" for n in range(size)]


async def _polling_seconds(app: Any, finished: Callable[[], Awaitable[object]]) -> float:
    """Start ``app`` as ``run_polling`` would, and time it until ``finished()`` returns."""
    async with app:
        if app.post_init is not None:
            await app.post_init(app)  # ours publishes the default menus, like run_polling
        started = time.perf_counter()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        await finished()
        elapsed = time.perf_counter() - started
        await app.updater.stop()
        await app.stop()
    return elapsed


async def noop_rate(size: int) -> float:
    """Updates per second through a bare PTB application that does nothing with them."""
    async with RemoteFake() as fake:
        seen = 0
        done = asyncio.Event()

        async def noop(_update: Update, _context: object) -> None:
            nonlocal seen
            seen += 1
            if seen == size:
                done.set()

        app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
        app.add_handler(MessageHandler(filters.ALL, noop))
        await fake.queue(FIRST_USER, _names(size))
        elapsed = await _polling_seconds(app, done.wait)
    return size / elapsed


async def reply_only_rate(size: int) -> float:
    """Updates per second through a PTB handler that only sends our next question (no storage).

    This is the ceiling for any step that answers the person: what remains between it and our
    rate is our own work (storage, validation, rendering).
    """
    async with RemoteFake() as fake:
        question = "<i>(2/10)</i> " + t("en", "q.field")
        markup = keyboard([(t("en", f"field.{k}"), f"ob:field:{k}") for k in FIELDS])

        async def reply(update: Update, _context: object) -> None:
            assert update.effective_chat is not None
            await update.effective_chat.send_message(
                question, reply_markup=markup, parse_mode="HTML"
            )

        app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
        app.add_handler(MessageHandler(filters.ALL, reply))
        await fake.queue(FIRST_USER, _names(size))
        elapsed = await _polling_seconds(app, lambda: fake.wait_sent(size))
    return size / elapsed


async def _seed(db: Database, size: int) -> None:
    """N people who consented, chose a role and are now at the name question."""
    people = PeopleService(db, SystemClock(), coordinator_ids=frozenset())
    await people.ensure_default_programme("Bench")
    for n in range(size):
        await people.consent(FIRST_USER + n, language="en", invite=None)
        await people.choose_role(FIRST_USER + n, Role.MENTEE)
    states = [("onboarding", (FIRST_USER + n, FIRST_USER + n), ACTIVE) for n in range(size)]
    await ConversationStore(db, SystemClock()).save(states)


async def onboarding_rate(database_url: str, size: int) -> float:
    """Updates per second through our bot: each one answers the name question for real."""
    db = Database(database_url)
    await upgrade(db)
    await _seed(db, size)
    async with RemoteFake() as fake:
        settings = Settings(
            _env_file=None,
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            database_url=database_url,
        )
        app = build_application(settings, db, messages_per_second=None)
        await fake.queue(FIRST_USER, _names(size))
        elapsed = await _polling_seconds(app, lambda: fake.wait_sent(size))
    people = PeopleService(db, SystemClock(), coordinator_ids=frozenset())
    last = await people.lookup(FIRST_USER + size - 1)
    assert last is not None and last.answered(Step.NAME), "the benchmark did not do the work"
    await db.dispose()
    return size / elapsed


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    """Measure the no-op baseline, the reply-only ceiling and our onboarding step."""
    return await compare_on_databases(
        args,
        name="updates-onboarding",
        unit="updates/s",
        default_size=DEFAULT_SIZE,
        baselines={"noop": noop_rate, "reply-only": reply_only_rate},
        ours=onboarding_rate,
    )
