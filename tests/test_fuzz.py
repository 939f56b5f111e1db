"""Fuzz: thousands of random and malformed updates through the real bot, with hypothesis.

Odd unicode and huge texts, unknown and half-typed commands, media the bot does not handle,
replies to old messages, forged and stale callback data (right prefixes with foreign ids, and
plain garbage), edits, channel posts and group chatter, from people at every stage (unknown,
mid-onboarding, paired). The bot must raise nothing unhandled (the error handler logs
``update_failed`` for anything that escapes a handler: there must be none), answer every button
press, and send at least one message back for every private message.

10,000 updates per run of the suite: 5,000 on SQLite and 5,000 on PostgreSQL (the same
code; the database is not what is being fuzzed, and the suite must stay quick).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import ManualClock
from storage.database import Database
from storage.models import Role
from tests.fake_telegram import CallbackAnswer, FakeTelegram, FakeUser
from tests.harness import BotHarness, running_bot
from tests.scenario import join_directly

pytestmark = pytest.mark.asyncio

BATCH = 250
TOTAL = {"sqlite": 5_000, "postgresql": 5_000}
PEOPLE = range(6001, 6013)
COMMANDS = [
    "start", "help", "profile", "cancel", "language", "pause", "resume", "deletemydata",
    "ask", "questions", "thanks", "gratitude", "goals", "mymentor", "mymentees", "findmentor",
    "endpair", "away", "match", "pair", "unpair", "newprogram", "invites", "programme",
    "exclude", "exclusions", "checkin", "settings", "broadcast", "stats", "export", "members",
    "nosuchcommand",
]  # fmt: skip
PREFIXES = [
    "ob", "pf", "qa", "rq", "gt", "gl", "pp", "pm", "pc", "ep", "er", "ex", "aw", "mp", "ma",
    "mc", "mm", "ms", "mu", "mx", "ps", "xp", "xm", "xc", "xy", "xr", "lang", "del", "ck", "bc",
]  # fmt: skip

# Everything Telegram can carry: no lone surrogates (not valid UTF-8), NUL included.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=300)
HUGE = st.integers(3000, 4096).map(lambda n: ("𝔸é中 " * 2000)[:n])
NUMBER = st.integers(-(2**63), 2**63).map(str) | st.integers(0, 50).map(str)
FORGED = st.builds(
    lambda prefix, parts: ":".join([prefix, *parts])[:64],
    st.sampled_from(PREFIXES),
    st.lists(NUMBER | st.sampled_from(["a", "r", "x", "y", "", "🙂", "1.5", "-1"]), max_size=4),
)
GARBAGE = st.text(max_size=64).filter(lambda s: 0 < len(s.encode()) <= 64)

ACTION = st.one_of(
    st.tuples(st.just("text"), TEXT),
    st.tuples(st.just("text"), HUGE),
    st.tuples(st.just("command"), st.sampled_from(COMMANDS), st.text(max_size=40)),
    st.tuples(
        st.just("media"),
        st.sampled_from(["photo", "voice", "document", "sticker", "location", "contact"]),
    ),
    st.tuples(st.just("reply"), TEXT),
    st.tuples(st.just("press"), FORGED | GARBAGE),
    st.tuples(st.just("group"), TEXT),
    st.tuples(st.just("channel"), TEXT),
    st.tuples(st.just("edit"), TEXT),
)


class Fuzzer:
    """Sends one drawn action as the person it names, and keeps what the checks need."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.group = fake.group(-5001, "Ward 3")
        self.sent: Counter[int] = Counter()  # private messages per chat
        self.presses: list[asyncio.Future[CallbackAnswer]] = []
        self.last: dict[int, dict[str, Any]] = {}

    async def act(self, user: FakeUser, action: tuple[Any, ...]) -> None:
        kind = action[0]
        if kind in ("text", "command", "media", "reply"):
            await self._private(user, action)
            self.sent[user.id] += 1
        elif kind == "press":
            anchor = user.inbox[-1] if user.inbox else None
            if anchor is None:  # nothing to press on yet: say hello instead
                await user.send("/help")
                self.sent[user.id] += 1
            else:
                self.presses.append(self.fake.api.open_callback_query(user, anchor, action[1]))
        elif kind == "group":
            await self.group.send(user, action[1])
        elif kind == "channel":
            post = {"message_id": 1, "date": int(time.time()), "text": action[1],
                    "chat": {"id": -100777, "type": "channel", "title": "News"}}  # fmt: skip
            self.fake.api.enqueue("channel_post", post)
        elif kind == "edit" and user.id in self.last:
            edited = {**self.last[user.id], "text": action[1], "edit_date": int(time.time())}
            edited.pop("entities", None)
            self.fake.api.enqueue("edited_message", edited)

    async def _private(self, user: FakeUser, action: tuple[Any, ...]) -> None:
        kind = action[0]
        if kind == "text":
            sent = await user.send(action[1])
        elif kind == "command":
            sent = await user.send(f"/{action[1]} {action[2]}".strip())
        elif kind == "reply" and user.inbox:
            sent = await user.reply(user.inbox[0], action[1])
        elif kind == "reply":
            sent = await user.send(action[1])
        else:
            sent = await _media(user, action[1])
        self.last[user.id] = sent


async def _media(user: FakeUser, kind: str) -> dict[str, Any]:
    match kind:
        case "photo":
            return await user.send_photo(caption="x-ray, no names")
        case "voice":
            return await user.send_voice()
        case "document":
            return await user.send_document()
        case "sticker":
            return await user.send_sticker()
        case "location":
            return await user.send_location(-13.5, -71.97)
        case _:
            return await user.send_contact("+51999999999")


async def _people(bot: BotHarness) -> list[FakeUser]:
    """Four people already in: a mentee and her mentor (paired), a mentor, a coordinator."""
    programme = await bot.services.people.ensure_default_programme("Preceptor mentorship")
    ana = await join_directly(bot, PEOPLE[0], "Ana", Role.MENTEE, "es")
    bruno = await join_directly(bot, PEOPLE[1], "Bruno", Role.MENTOR, "en")
    await join_directly(bot, PEOPLE[2], "Carla", Role.MENTOR, "en")
    ids = [await bot.services.people.lookup(u.id) for u in (bruno, ana)]
    assert ids[0] is not None and ids[1] is not None
    await bot.services.people.consent(900, language="en", invite=None)
    await bot.services.pairing.pair(900, programme.id, ids[0].id, ids[1].id)
    return [bot.fake.user(n, f"P{n}", language_code="es" if n % 2 else "en") for n in PEOPLE]


@pytest.fixture
async def bot(
    fake: FakeTelegram, db: Database, clock: ManualClock, coordinator_ids: frozenset[int]
) -> AsyncIterator[BotHarness]:
    """The real bot with Telegram's overall limit lifted: this test sends thousands."""
    async with running_bot(
        fake, db, clock=clock, coordinator_ids=coordinator_ids, messages_per_second=None
    ) as harness:
        yield harness


async def test_random_and_malformed_updates_get_answers_and_raise_nothing(
    bot: BotHarness, fake: FakeTelegram, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    users = await _people(bot)
    fuzzer = Fuzzer(fake)
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"

    @settings(
        max_examples=TOTAL[backend] // BATCH,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(st.tuples(st.sampled_from(range(len(users))), ACTION),
                    min_size=BATCH, max_size=BATCH))  # fmt: skip
    def batches(actions: list[tuple[int, tuple[Any, ...]]]) -> None:
        drawn.append(actions)

    drawn: list[list[tuple[int, tuple[Any, ...]]]] = []
    batches()
    for actions in drawn:
        for who, action in actions:
            await fuzzer.act(users[who], action)
        await _answered(fuzzer, users)
    assert sum(len(a) for a in drawn) == TOTAL[backend]
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage() for r in failures[:5]]


async def _answered(fuzzer: Fuzzer, users: list[FakeUser]) -> None:
    """Every button press answered; at least one message back per private message."""
    await asyncio.wait_for(asyncio.gather(*fuzzer.presses), timeout=60)
    fuzzer.presses.clear()
    deadline = time.monotonic() + 60
    while True:
        short = {u.id: (len(u.inbox), fuzzer.sent[u.id]) for u in users
                 if len(u.inbox) < fuzzer.sent[u.id]}  # fmt: skip
        if not short:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"no answer for some messages (received, sent): {short}")
        await asyncio.sleep(0.05)
