"""Kill the real bot process (SIGKILL) and start it again: in the middle of onboarding, the
person continues where they were and nothing they answered is lost; in the middle of
deliveries, every message arrives and none that Telegram confirmed is sent twice.

The bot runs as ``python -m bot run`` — the production entry point — in a subprocess that
long-polls the fake Bot API served by this test's event loop.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.i18n import t
from bot.services.outbox import enqueue
from storage.database import Database
from storage.models import OutboxMessage, OutboxStatus
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.scenario import answer, consent

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def bot_process(
    fake: FakeTelegram, database_url: str, workdir: Path, **settings: str
) -> Callable[[], AsyncIterator[asyncio.subprocess.Process]]:
    """A context manager factory that runs ``python -m bot run`` against the fake server."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_API_FILE_URL": fake.base_file_url,
        "DATABASE_URL": database_url,
        "COORDINATOR_IDS": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    } | settings

    @asynccontextmanager
    async def running() -> AsyncIterator[asyncio.subprocess.Process]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=workdir, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()

    return running


async def kill(process: asyncio.subprocess.Process) -> None:
    """SIGKILL: no shutdown hooks, no flush, exactly like a crash or an OOM kill."""
    process.send_signal(signal.SIGKILL)
    assert await process.wait() == -signal.SIGKILL


async def test_onboarding_survives_sigkill(
    fake: FakeTelegram, db: Database, tmp_path: Path
) -> None:
    url = db.url.render_as_string(hide_password=False)
    run = bot_process(fake, url, tmp_path)
    ana = fake.user(301, "Ana", language_code="es")

    async with run() as process:
        await ana.send("/start")
        await ana.receive(timeout=30)  # the first reply waits for the process to start
        await ana.press(t("es", "consent.yes"))
        await ana.receive()  # role question
        await answer(ana, t("es", "role.mentee.pick"))  # -> name
        await ana.send("Ana María")
        await ana.receive()  # -> field
        await answer(ana, t("es", "field.paediatrics"))  # -> stage
        stage_question = ana.inbox[-1]
        await kill(process)

    async with run() as process:
        # The very question on screen before the crash can simply be answered.
        await ana.press(t("es", "stage.intern"), message=stage_question, timeout=30)
        interests = await ana.receive(timeout=10)
        assert t("es", "interest.research") in interests.button_texts
        await ana.press(t("es", "interest.research"))
        await kill(process)  # mid multi-choice question

    async with run() as process:
        await ana.press(t("es", "interest.teaching"), timeout=30)
        languages = await answer(ana, t("es", "q.done"))
        assert t("es", "spoken.es") in languages.button_texts
        await kill(process)

    people = await _lookup(db, 301)
    assert people is not None
    assert people.display_name == "Ana María"
    assert people.profile.field == "paediatrics"
    assert people.profile.stage == "intern"
    assert people.profile.interests == ("research", "teaching")
    assert people.language == "es"


async def test_a_typed_answer_after_a_restart_lands_on_the_right_question(
    fake: FakeTelegram, db: Database, tmp_path: Path
) -> None:
    url = db.url.render_as_string(hide_password=False)
    run = bot_process(fake, url, tmp_path)
    ben = fake.user(302, "Ben")
    async with run() as process:
        await consent(ben, "en")
        await answer(ben, t("en", "role.mentor.pick"))  # -> name
        await kill(process)
    async with run():
        await ben.send("Dr Ben Okafor")
        field_question = await ben.receive(timeout=30)
        assert t("en", "field.surgery") in field_question.button_texts
    person = await _lookup(db, 302)
    assert person is not None and person.display_name == "Dr Ben Okafor"


async def _lookup(db: Database, telegram_id: int):  # type: ignore[no-untyped-def]
    from bot.clock import SystemClock
    from bot.services.people import PeopleService

    return await PeopleService(db, SystemClock(), coordinator_ids=frozenset()).lookup(telegram_id)


async def test_deliveries_survive_sigkill_without_repeating_a_confirmed_send(
    fake: FakeTelegram, db: Database, tmp_path: Path
) -> None:
    """300 messages to 20 people; the process is killed while some are in flight."""
    url = db.url.render_as_string(hide_password=False)
    run = bot_process(fake, url, tmp_path, OUTBOX_RESEND_PAUSE_SECONDS="1")
    users = [fake.user(700 + n, f"U{n}") for n in range(20)]
    texts: dict[int, str] = {}
    async with db.session() as s:
        for n in range(300):
            row = enqueue(
                s, chat_id=users[n % 20].id, person_id=None, kind="t", payload={"text": f"m{n}"}
            )
            await s.flush()
            texts[row.id] = f"m{n}"
    fake.latency = 0.05  # sends take a while, so some are in flight when the process dies

    async with run() as process:
        await _until(lambda: _delivered(users) >= 60, within=60)
        await kill(process)
    async with db.read() as s:
        before = {row.id: row.status for row in await s.scalars(select(OutboxMessage))}
    confirmed = {texts[i] for i, status in before.items() if status == OutboxStatus.SENT}
    in_flight = {texts[i] for i, status in before.items() if status == OutboxStatus.SENDING}
    assert confirmed and in_flight

    async with run():
        await _until(lambda: _delivered(users) >= 300, within=90)
        await _until(lambda: _all_sent(db), within=30)
    arrived = Counter(m.text for user in users for m in user.inbox)
    assert set(arrived) == set(texts.values())  # nothing lost
    for text in confirmed:
        assert arrived[text] == 1, text  # nothing confirmed was sent again
    doubled = {text for text, count in arrived.items() if count > 1}
    assert doubled <= in_flight  # a duplicate only where the outcome was unknown


def _delivered(users: list[FakeUser]) -> int:
    return len({m.text for user in users for m in user.inbox})


async def _all_sent(db: Database) -> bool:
    async with db.read() as s:
        statuses = set((await s.scalars(select(OutboxMessage.status))).all())
    return statuses == {OutboxStatus.SENT}


async def _until(check: Callable[[], object], within: float) -> None:
    """Poll ``check`` (sync or async) until it holds."""
    async with asyncio.timeout(within):
        while True:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            await asyncio.sleep(0.05)


async def test_a_second_instance_waits_as_standby_and_takes_over(
    fake: FakeTelegram, db: Database, tmp_path: Path
) -> None:
    """Two processes on one database: one leads, the other waits; kill the leader, the
    standby answers (PostgreSQL advisory lock; a lock file next to a SQLite database)."""
    url = db.url.render_as_string(hide_password=False)
    run = bot_process(fake, url, tmp_path)
    ana = fake.user(311, "Ana")
    async with run() as leader:
        await ana.send("/help")
        await ana.receive(timeout=30)
        async with run() as standby:
            assert standby.stderr is not None
            line = await asyncio.wait_for(_line_with(standby.stderr, "standby"), timeout=30)
            assert "reason=another_instance" in line
            await ana.send("/help")
            await ana.receive(timeout=10)  # still the leader answering
            polls = len(fake.calls_to("getUpdates"))
            await kill(leader)
            await ana.send("/help")
            await ana.receive(timeout=30)  # the standby took over
            assert len(fake.calls_to("getUpdates")) > polls
            assert standby.returncode is None


async def _line_with(stream: asyncio.StreamReader, text: str) -> str:
    while True:
        line = (await stream.readline()).decode()
        if not line:
            raise AssertionError(f"the process ended without logging {text!r}")
        if text in line:
            return line
