"""``relay``: questions relayed per second, end to end, against a no-op PTB handler.

N mentees, each paired with one of N/5 mentors and already at "write your question", each send
one question. For every update our bot loads the person and what their next message is for,
stores the question and its outbox row in one transaction, confirms to the mentee, and the
delivery worker relays the question to the mentor. The clock stops when every mentor message
is out (2N sends in all): "mentee update in → mentor message out".

Baselines, side by side in the same run and over the same transport (the fake Bot API in a
child process): a no-op PTB handler, and a handler that makes the same two Bot API calls per
update without any storage (the ceiling for anything that confirms and relays). Telegram's
30 messages/s limit is lifted on every side: it caps sending, not what we measure.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters

from bench.databases import compare_on_databases
from bench.remote import RemoteFake
from bench.updates import FIRST_USER, _polling_seconds, noop_rate
from bot.app import build_application
from bot.config import Settings
from bot.i18n import t
from storage.database import Database
from storage.migrate import upgrade
from storage.models import (
    ConversationDraft,
    Membership,
    Pairing,
    PairingOrigin,
    PairingStatus,
    Person,
    PersonStatus,
    Programme,
    Question,
    Role,
)

DEFAULT_SIZE = 1000
MENTEES_PER_MENTOR = 5
FIRST_MENTOR = 5_000_000


def _questions(size: int) -> list[str]:
    return [f"Question number {n}: how do I present a case on a ward round?" for n in range(size)]


async def _seed(db: Database, size: int) -> None:
    """N paired mentees waiting at "write your question" (written directly: no intros)."""
    now = datetime.now(UTC)
    mentors = max(1, size // MENTEES_PER_MENTOR)
    async with db.session() as s:
        programme = Programme(name="Bench", is_default=True, settings={}, created_at=now)
        s.add(programme)
        people = [
            Person(
                telegram_id=telegram_id,
                display_name=f"P{telegram_id}",
                language="en",
                status=PersonStatus.ACTIVE,
                consent_at=now,
                onboarded_at=now,
                created_at=now,
                updated_at=now,
            )
            for telegram_id in [FIRST_MENTOR + n for n in range(mentors)]
            + [FIRST_USER + n for n in range(size)]
        ]
        s.add_all(people)
        await s.flush()
        mentor_rows, mentee_rows = people[:mentors], people[mentors:]
        for person, role in [(m, Role.MENTOR) for m in mentor_rows] + [
            (m, Role.MENTEE) for m in mentee_rows
        ]:
            s.add(Membership(programme_id=programme.id, person_id=person.id, role=role,
                             joined_at=now))  # fmt: skip
        pairings = [
            Pairing(
                programme_id=programme.id,
                mentor_id=mentor_rows[n % mentors].id,
                mentee_id=mentee.id,
                status=PairingStatus.ACTIVE,
                origin=PairingOrigin.COORDINATOR,
                reasons=[],
                started_at=now,
            )
            for n, mentee in enumerate(mentee_rows)
        ]
        s.add_all(pairings)
        await s.flush()
        for mentee, pairing in zip(mentee_rows, pairings, strict=True):
            target = {"to": "pair", "id": pairing.id, "name": "Mentor"}
            assert mentee.telegram_id is not None
            s.add(
                ConversationDraft(
                    user_id=mentee.telegram_id,
                    data={"compose": {"kind": "qa_write", "target": target}},
                    updated_at=now,
                )
            )


async def relay_rate(database_url: str, size: int) -> float:
    """Questions per second through our bot, from the mentee's update to the mentor's message."""
    db = Database(database_url)
    await upgrade(db)
    await _seed(db, size)
    async with RemoteFake() as fake:
        await fake.users(FIRST_MENTOR, max(1, size // MENTEES_PER_MENTOR))
        settings = Settings(
            _env_file=None,
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            database_url=database_url,
        )
        app = build_application(settings, db, messages_per_second=None)
        await fake.queue(FIRST_USER, _questions(size))
        elapsed = await _polling_seconds(app, lambda: fake.wait_sent(2 * size))
    async with db.read() as s:
        stored = len((await s.scalars(Question.__table__.select())).all())
    assert stored == size, f"the benchmark stored {stored} of {size} questions"
    await db.dispose()
    return size / elapsed


async def confirm_and_relay_rate(size: int) -> float:
    """Updates per second through a handler that only makes the same two sends (no storage)."""
    async with RemoteFake() as fake:
        mentors = max(1, size // MENTEES_PER_MENTOR)
        await fake.users(FIRST_MENTOR, mentors)
        confirmation = t("en", "qa.sent", name="Mentor")

        async def relay(update: Update, _context: object) -> None:
            assert update.effective_chat is not None and update.effective_message is not None
            mentor = FIRST_MENTOR + (update.effective_chat.id - FIRST_USER) % mentors
            await update.effective_chat.send_message(confirmation, parse_mode="HTML")
            text = t("en", "qa.new_question", name="Mentee") + "\n\n"
            await update.get_bot().send_message(
                mentor, text + (update.effective_message.text or ""), parse_mode="HTML"
            )

        app = (
            ApplicationBuilder()
            .token(fake.token)
            .base_url(fake.base_url)
            .concurrent_updates(64)
            .build()
        )
        app.add_handler(MessageHandler(filters.ALL, relay))
        await fake.queue(FIRST_USER, _questions(size))
        elapsed = await _polling_seconds(app, lambda: fake.wait_sent(2 * size))
    return size / elapsed


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    """Measure both baselines and our relay on each database."""
    return await compare_on_databases(
        args,
        name="relay-questions",
        unit="questions/s",
        default_size=DEFAULT_SIZE,
        baselines={"noop": noop_rate, "confirm-and-relay": confirm_and_relay_rate},
        ours=relay_rate,
    )
