"""``soak``: the long version of the crash tests — SIGKILL the real bot again and again.

The bot runs as ``python -m bot run`` (the production entry point, Telegram's 30 messages/s
limiter included) in a subprocess that long-polls a fake Bot API served by this process's event
loop (no flood limit on the fake, 20 ms added to every call so that sends are in flight). It is
killed with SIGKILL at random moments (a random delay after it starts polling, scaled so that
the kills spread over the work) and started again each time, until everything is done:

- ``broadcast``: N recipients (and N/500 people who left Telegram) plus a coordinator written
  straight to the database; the broadcast is drafted and started through ``BroadcastService``
  (draft → audience → send now) and the bot's own progress job fans it out and finishes it.
- ``relay``: Q questions from Q/4 paired mentees (a mentor for every five), driven as real
  updates: each mentee sends ``/ask``, waits for the prompt, sends the question, waits for the
  confirmation (50 mentees at a time), four times.

At every kill, once the dead process's last calls have settled, the soak records what Telegram
(the fake) confirmed per message (``ok`` sendMessage calls) and the status of each outbox row.
Afterwards it checks: nothing lost (every reachable recipient, every stored question reached);
no message that was SENT in the database at a kill was ever sent again; every duplicate is a row
whose outcome was unknown (SENDING at a kill, or a timeout); Telegram-confirmed sends and SENT
rows agree at every kill; the broadcast is DONE and its report's figures match the outbox.
Polling confirms an update when the next batch is fetched, so an update in hand at a kill is
lost (README "Architecture"): the relay reports those as ``lost`` (questions sent but never
stored) — a cost of the kills, not a delivery failure — and ``lost_after_stored`` (must be 0).

Databases: the first one (SQLite by default) gets the full soak (``--size`` recipients, 20 + 12
kills); each further one (PostgreSQL when reachable) a pass at a fifth of the size with 6 + 4
kills. ``python -m bench.soak --quick`` is a short version; ``--seed`` (or ``SOAK_SEED``)
repeats a run's kill times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy import func, insert, select

from bench.databases import backend, databases
from bot.clock import SystemClock
from bot.services.broadcasts import BroadcastService, payload_of
from bot.services.checkins import NUDGE, PAIR, PULSE
from storage.database import Database
from storage.migrate import upgrade
from storage.models import (
    Broadcast,
    BroadcastStatus,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Pairing,
    PairingOrigin,
    PairingStatus,
    Person,
    PersonStatus,
    Programme,
    QuestionMessage,
    Role,
    Schedule,
)
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.fake_telegram.models import ApiCall

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZE = 10_000
LATENCY = 0.02  # seconds added to every fake Bot API call: sends are in flight at a kill
SETTLE = LATENCY + 0.3  # after a kill, the dead process's last calls finish in the fake
READY_WITHIN = 60.0
FINISH_WITHIN = 900.0
REPLY_WITHIN = 30.0  # a mentee waits this long for an answer before going on
QUESTIONS_PER_MENTEE = 4
MENTEES_PER_MENTOR = 5
ACTIVE_MENTEES = 50
COORDINATOR = 999
FIRST_RECIPIENT = 1_000_000
FIRST_MENTEE = 3_000_000
FIRST_MENTOR = 4_000_000
TEXT = "Reminder: the regional teaching day is on Saturday at 9:00 in the district hospital."
_TAG = re.compile(r"\[q\d+-\d+\]")
_REPORT = re.compile(r"(\d+) of (\d+) received it, (\d+) could not be reached")
_OPEN = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.UNCERTAIN)

Key = int | str
Statuses = dict[Key, tuple[OutboxStatus, int]]


@dataclass(frozen=True)
class Plan:
    """How much one pass does on one database."""

    recipients: int
    questions: int
    broadcast_kills: int
    relay_kills: int


# -- the bot process -------------------------------------------------------------------------


class BotProcess:
    """``python -m bot run`` against the fake, started and SIGKILLed at will."""

    def __init__(self, fake: FakeTelegram, database_url: str, workdir: Path) -> None:
        self._fake = fake
        self._workdir = workdir
        self._log_path = workdir / "bot.log"
        self._env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "TELEGRAM_API_FILE_URL": fake.base_file_url,
            "DATABASE_URL": database_url,
            "COORDINATOR_IDS": "",
            "OUTBOX_RESEND_PAUSE_SECONDS": "1",
            "SWEEP_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }

    @asynccontextmanager
    async def running(self) -> AsyncIterator[asyncio.subprocess.Process]:
        """The process, polling; stopped with SIGTERM on the way out unless it was killed."""
        polls = len(self._fake.calls_to("getUpdates"))
        with self._log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=self._workdir, env=self._env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
            try:
                await self._until_polling(process, polls)
                yield process
            finally:
                if process.returncode is None:
                    process.terminate()
                    try:
                        await asyncio.wait_for(process.wait(), 30)
                    except TimeoutError:
                        process.kill()
                        await process.wait()

    async def _until_polling(self, process: asyncio.subprocess.Process, polls: int) -> None:
        deadline = time.monotonic() + READY_WITHIN
        while len(self._fake.calls_to("getUpdates")) <= polls:
            if process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start polling; log:\n{self.log_tail()}")
            await asyncio.sleep(0.05)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the bot's stderr, for errors."""
        text = self._log_path.read_text(errors="replace") if self._log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


async def sigkill(process: asyncio.subprocess.Process) -> None:
    """No shutdown hooks, no flush: a crash or an OOM kill."""
    process.send_signal(signal.SIGKILL)
    await process.wait()


# -- what Telegram confirmed and what the database said, at every kill ------------------------


@dataclass
class Tracker:
    """Per message key: what each kill saw, and what that allows afterwards."""

    sent_at_kill: dict[Key, int] = field(default_factory=dict)  # key -> confirmed sends then
    unknown: set[Key] = field(default_factory=set)  # SENDING at some kill
    anomalies: list[str] = field(default_factory=list)
    kills: int = 0

    def record(self, statuses: Statuses, confirmed: Counter[Key]) -> None:
        """One kill: rows SENT must have been confirmed; confirmed sends must be claimed."""
        self.kills += 1
        for key, (status, _unknown) in statuses.items():
            sends = confirmed.get(key, 0)
            if status == OutboxStatus.SENT:
                if sends == 0:
                    self.anomalies.append(f"kill {self.kills}: {key} SENT, never confirmed")
                self.sent_at_kill.setdefault(key, sends)
            elif status == OutboxStatus.SENDING:
                self.unknown.add(key)
            elif status == OutboxStatus.PENDING and sends:
                self.anomalies.append(f"kill {self.kills}: {key} confirmed but PENDING")
        for key in set(confirmed) - set(statuses):
            self.anomalies.append(f"kill {self.kills}: {key} confirmed without an outbox row")

    def verify(self, statuses: Statuses, confirmed: Counter[Key]) -> dict[str, Any]:
        """The final figures: duplicates, and the ones no unknown outcome explains."""
        again = sorted(str(k) for k, n in self.sent_at_kill.items() if confirmed.get(k, 0) > n)
        timed_out = {key for key, (_status, unknown) in statuses.items() if unknown > 0}
        doubled = {key for key, n in confirmed.items() if n > 1}
        unexplained = sorted(str(k) for k in doubled - self.unknown - timed_out)
        return {
            "duplicated": len(doubled),
            "unknown_at_kill": len(self.unknown),
            "confirmed_sent_again": len(again),
            "unexplained_duplicates": len(unexplained),
            "examples": (again + unexplained + self.anomalies)[:10],
            "anomalies": len(self.anomalies),
        }


async def _outbox(db: Database, key_of: Callable[[OutboxMessage], Key | None]) -> Statuses:
    async with db.read() as s:
        rows = (await s.scalars(select(OutboxMessage))).all()
    statuses: Statuses = {}
    for row in rows:
        key = key_of(row)
        if key is not None:
            statuses[key] = (row.status, row.unknown_outcomes or 0)
    return statuses


def _confirmed(fake: FakeTelegram, key_of: Callable[[ApiCall], Key | None]) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for call in fake.calls:
        if call.ok and call.method.lower() == "sendmessage":
            key = key_of(call)
            if key is not None:
                counts[key] += 1
    return counts


@dataclass
class Scenario:
    """What the crash loop needs to know about one soak."""

    fake: FakeTelegram
    db: Database
    outbox_key: Callable[[OutboxMessage], Key | None]
    call_key: Callable[[ApiCall], Key | None]
    done: Callable[[], Awaitable[bool]]
    progress: Callable[[], tuple[int, int]]  # (units done, units in all)
    guess_rate: float  # units per second before the first measurement
    tracker: Tracker = field(default_factory=Tracker)

    async def snapshot(self) -> tuple[Statuses, Counter[Key]]:
        """The outbox and Telegram's confirmations now."""
        return await _outbox(self.db, self.outbox_key), _confirmed(self.fake, self.call_key)


async def crash_loop(bot: BotProcess, scenario: Scenario, kills: int, rng: random.Random) -> None:
    """Kill the bot ``kills`` times at random moments of the work, then let it finish."""
    uptime, gained = 0.0, 0
    while scenario.tracker.kills < kills:
        before, total = scenario.progress()
        if before >= total and await scenario.done():
            break
        rate = gained / uptime if uptime > 5 and gained else scenario.guess_rate
        left = kills - scenario.tracker.kills
        mean = max(total - before, 1) / max(rate, 0.5) / (left + 0.5)
        delay = rng.uniform(0.1, min(2 * mean, 60.0))
        async with bot.running() as process:
            started = time.monotonic()
            finished = await _until(scenario.done, delay)
            uptime += time.monotonic() - started
            gained += scenario.progress()[0] - before
            if finished:
                break
            await sigkill(process)
        await asyncio.sleep(SETTLE)
        scenario.tracker.record(*await scenario.snapshot())
    async with bot.running():
        if not await _until(scenario.done, FINISH_WITHIN):
            raise RuntimeError(f"not finished within {FINISH_WITHIN}s; log:\n{bot.log_tail()}")
        await asyncio.sleep(2)  # nothing more may come


async def _until(check: Callable[[], Awaitable[bool]], within: float) -> bool:
    deadline = time.monotonic() + within
    while True:
        if await check():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        await asyncio.sleep(min(0.25, remaining))


async def _open_rows(db: Database) -> int:
    async with db.read() as s:
        count = await s.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(_OPEN))
        )
    return int(count or 0)


# -- the broadcast soak -----------------------------------------------------------------------


async def _seed_broadcast(db: Database, size: int, gone: int) -> int:
    """A programme, its coordinator, ``size`` recipients and ``gone`` who left Telegram."""
    now = datetime.now(UTC)
    async with db.session() as s:
        programme = Programme(name="Soak", is_default=True, settings={}, created_at=now)
        s.add(programme)
        await s.flush()
        ids = [COORDINATOR, *range(FIRST_RECIPIENT, FIRST_RECIPIENT + size + gone)]
        for start in range(0, len(ids), 2000):
            await s.execute(
                insert(Person),
                [
                    {"telegram_id": tid, "display_name": f"P{tid}", "language": "en",
                     "status": PersonStatus.ACTIVE, "consent_at": now, "created_at": now,
                     "updated_at": now}
                    for tid in ids[start : start + 2000]
                ],
            )  # fmt: skip
        people = (await s.execute(select(Person.telegram_id, Person.id))).all()
        rows = [
            {"person_id": pid, "programme_id": programme.id, "joined_at": now,
             "role": Role.COORDINATOR if tid == COORDINATOR else Role.MENTEE}
            for tid, pid in people
        ]  # fmt: skip
        for start in range(0, len(rows), 2000):
            await s.execute(insert(Membership), rows[start : start + 2000])
        return programme.id


async def broadcast_soak(
    fake: FakeTelegram, db: Database, workdir: Path, size: int, kills: int, rng: random.Random
) -> dict[str, Any]:
    """One broadcast to ``size`` people (plus some unreachable), killed ``kills`` times."""
    gone = max(1, size // 500)
    programme_id = await _seed_broadcast(db, size, gone)
    chats = range(FIRST_RECIPIENT, FIRST_RECIPIENT + size)
    recipients = [fake.user(tid, f"R{tid}") for tid in chats]
    reachable = {user.id for user in recipients}
    carla = fake.user(COORDINATOR, "Carla")
    progress = await fake.api.call("sendMessage", {"chat_id": COORDINATOR, "text": "…"})
    service = BroadcastService(db, SystemClock())
    draft = await service.draft(COORDINATOR, TEXT)
    await service.choose_audience(COORDINATOR, draft.id, programme_id, "all")
    await service.send_now(
        COORDINATOR, draft.id, chat_id=COORDINATOR, message_id=progress["message_id"]
    )
    ref, text = f"b:{draft.id}", payload_of(TEXT, None)["text"]

    def outbox_key(row: OutboxMessage) -> Key | None:
        return row.chat_id if row.ref == ref else None

    def call_key(call: ApiCall) -> Key | None:
        chat = call.params.get("chat_id")
        return chat if chat in reachable and call.params.get("text") == text else None

    def reached() -> tuple[int, int]:
        return sum(1 for user in recipients if user.inbox), size

    async def done() -> bool:
        async with db.read() as s:
            status = await s.scalar(select(Broadcast.status).where(Broadcast.id == draft.id))
        return (
            status == BroadcastStatus.DONE
            and any(_REPORT.search(m.text or "") for m in carla.inbox)
            and await _open_rows(db) == 0
        )

    scenario = Scenario(fake, db, outbox_key, call_key, done, reached, guess_rate=25.0)
    started = time.monotonic()
    await crash_loop(BotProcess(fake, db.url.render_as_string(hide_password=False), workdir),
                     scenario, kills, rng)  # fmt: skip
    seconds = time.monotonic() - started
    statuses, confirmed = await scenario.snapshot()
    figures = scenario.tracker.verify(statuses, confirmed)
    lost = sum(1 for chat in reachable if confirmed.get(chat, 0) == 0)
    by_status = Counter(status for status, _unknown in statuses.values())
    reports = [found for m in carla.inbox if (found := _REPORT.search(m.text or ""))]
    report = reports[0] if reports else None
    expected = (
        by_status[OutboxStatus.SENT],
        len(statuses),
        by_status[OutboxStatus.BLOCKED] + by_status[OutboxStatus.FAILED],
    )
    report_ok = report is not None and tuple(int(g) for g in report.groups()) == expected
    ok = (
        lost == 0
        and report_ok
        and expected == (size, size + gone, gone)
        and figures["confirmed_sent_again"] == 0
        and figures["unexplained_duplicates"] == 0
        and figures["anomalies"] == 0
    )
    reached_count = size - lost
    return {
        "bench": f"soak-broadcast-{backend(db.url.render_as_string())}-{size}",
        "value": reached_count,
        "unit": "recipients reached",
        "baseline": size,
        "ratio": round(reached_count / size, 4),
        "kills": scenario.tracker.kills,
        "lost": lost,
        **figures,
        "report": report.group(0) if report else None,
        "report_matches_outbox": report_ok,
        "ok": ok,
        "seconds": round(seconds, 1),
    }


# -- the relay soak ---------------------------------------------------------------------------


async def _seed_relay(db: Database, mentees: int) -> None:
    """Paired mentees and their mentors, onboarded, check-ins scheduled far ahead (quiet)."""
    now = datetime.now(UTC)
    later = now + timedelta(days=60)
    mentors = max(1, mentees // MENTEES_PER_MENTOR)
    async with db.session() as s:
        programme = Programme(name="Relay", is_default=False, settings={}, created_at=now)
        s.add(programme)
        await s.flush()
        mentor_ids = list(range(FIRST_MENTOR, FIRST_MENTOR + mentors))
        mentee_ids = list(range(FIRST_MENTEE, FIRST_MENTEE + mentees))
        await s.execute(
            insert(Person),
            [
                {"telegram_id": tid, "display_name": f"P{tid}", "language": "en",
                 "status": PersonStatus.ACTIVE, "consent_at": now, "onboarded_at": now,
                 "created_at": now, "updated_at": now}
                for tid in mentor_ids + mentee_ids
            ],
        )  # fmt: skip
        ids = dict(
            (await s.execute(
                select(Person.telegram_id, Person.id).where(
                    Person.telegram_id.in_(mentor_ids + mentee_ids)
                )
            )).tuples().all()
        )  # fmt: skip
        await s.execute(
            insert(Membership),
            [
                {"person_id": ids[tid], "programme_id": programme.id, "joined_at": now,
                 "role": Role.MENTOR if tid >= FIRST_MENTOR else Role.MENTEE}
                for tid in mentor_ids + mentee_ids
            ],
        )  # fmt: skip
        await s.execute(
            insert(Pairing),
            [
                {"programme_id": programme.id, "mentor_id": ids[mentor_ids[n % mentors]],
                 "mentee_id": ids[tid], "status": PairingStatus.ACTIVE,
                 "origin": PairingOrigin.COORDINATOR, "reasons": [], "started_at": now}
                for n, tid in enumerate(mentee_ids)
            ],
        )  # fmt: skip
        kinds = [(tid, kind) for tid in mentee_ids for kind in (PULSE, PAIR)]
        kinds += [(tid, kind) for tid in mentor_ids for kind in (NUDGE, PAIR)]
        await s.execute(
            insert(Schedule),
            [
                {"person_id": ids[tid], "kind": kind, "next_due_at": later, "step": 0,
                 "updated_at": now}
                for tid, kind in kinds
            ],
        )  # fmt: skip


async def _mentee(
    fake: FakeTelegram, user: FakeUser, number: int, slots: asyncio.Semaphore, sent: list[str]
) -> None:
    """``/ask``, the question, the confirmation — four times, waiting as a person would."""
    async with slots:
        for n in range(QUESTIONS_PER_MENTEE):
            tag = f"[q{number}-{n}]"
            before = len(user.inbox)
            await user.send("/ask")
            await fake.api.changed.wait_for(lambda: len(user.inbox) > before, REPLY_WITHIN)  # noqa: B023
            before = len(user.inbox)
            await user.send(f"{tag} How should I present case {n} on tomorrow's ward round?")
            sent.append(tag)
            await fake.api.changed.wait_for(lambda: len(user.inbox) > before, REPLY_WITHIN)  # noqa: B023


async def relay_soak(
    fake: FakeTelegram,
    db: Database,
    workdir: Path,
    questions: int,
    kills: int,
    rng: random.Random,
) -> dict[str, Any]:
    """``questions`` mentee → mentor questions as real updates, the bot killed ``kills`` times."""
    mentees = max(1, questions // QUESTIONS_PER_MENTEE)
    questions = mentees * QUESTIONS_PER_MENTEE
    await _seed_relay(db, mentees)
    mentor_count = max(1, mentees // MENTEES_PER_MENTOR)
    mentors = [fake.user(FIRST_MENTOR + n, f"M{n}") for n in range(mentor_count)]
    mentor_chats = {m.id for m in mentors}
    users = [fake.user(FIRST_MENTEE + n, f"E{n}") for n in range(mentees)]
    sent: list[str] = []
    slots = asyncio.Semaphore(ACTIVE_MENTEES)
    driver = asyncio.gather(*(_mentee(fake, u, n, slots, sent) for n, u in enumerate(users)))

    def outbox_key(row: OutboxMessage) -> Key | None:
        found = _TAG.search(str(row.payload.get("text", ""))) if row.kind == "question" else None
        return found.group(0) if found else None

    def call_key(call: ApiCall) -> Key | None:
        if call.params.get("chat_id") not in mentor_chats:
            return None
        found = _TAG.search(str(call.params.get("text", "")))
        return found.group(0) if found else None

    def relayed() -> tuple[int, int]:
        return sum(len(m.inbox) for m in mentors), questions

    async def done() -> bool:
        return driver.done() and fake.pending_updates() == 0 and await _open_rows(db) == 0

    scenario = Scenario(fake, db, outbox_key, call_key, done, relayed, guess_rate=8.0)
    started = time.monotonic()
    try:
        await crash_loop(BotProcess(fake, db.url.render_as_string(hide_password=False), workdir),
                         scenario, kills, rng)  # fmt: skip
    finally:
        if not driver.done():
            driver.cancel()
    seconds = time.monotonic() - started
    statuses, confirmed = await scenario.snapshot()
    figures = scenario.tracker.verify(statuses, confirmed)
    async with db.read() as s:
        texts = (await s.scalars(select(QuestionMessage.text))).all()
    stored = Counter(m.group(0) for text in texts if (m := _TAG.search(text or "")))
    lost = len(set(sent) - set(stored))
    lost_after_stored = sum(1 for tag in stored if confirmed.get(tag, 0) == 0)
    stored_twice = sum(1 for n in stored.values() if n > 1)
    ok = (
        lost_after_stored == 0
        and figures["confirmed_sent_again"] == 0
        and figures["unexplained_duplicates"] == 0
        and figures["anomalies"] == 0
    )
    return {
        "bench": f"soak-relay-{backend(db.url.render_as_string())}-{questions}",
        "value": len(stored) - lost_after_stored,
        "unit": "questions relayed",
        "baseline": len(sent),
        "ratio": round((len(stored) - lost_after_stored) / max(len(sent), 1), 4),
        "kills": scenario.tracker.kills,
        "lost": lost,
        "lost_after_stored": lost_after_stored,
        "stored_twice": stored_twice,
        **figures,
        "ok": ok,
        "seconds": round(seconds, 1),
    }


# -- the whole soak ---------------------------------------------------------------------------


def plans(size: int, *, quick: bool) -> tuple[Plan, Plan]:
    """The full pass (first database) and the shorter one (any further database)."""
    if quick:
        return Plan(size, size // 5, 6, 4), Plan(size // 5, size // 25, 3, 2)
    full = Plan(size, size // 5, 20, 12)
    return full, Plan(size // 5, size // 25, 6, 4)


async def soak(args: argparse.Namespace) -> list[dict[str, object]]:
    """Both soaks on every database; one JSON line each, plus the total of kills."""
    quick = bool(getattr(args, "quick", False))
    size = args.size or (1000 if quick else DEFAULT_SIZE)
    seed = getattr(args, "seed", None)
    if seed is None:
        seed = int(os.environ.get("SOAK_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    full, short = plans(size, quick=quick)
    results: list[dict[str, object]] = []
    async with databases(args) as urls:
        for index, url in enumerate(urls):
            plan = full if index == 0 else short
            db = Database(url)
            await upgrade(db)
            try:
                with TemporaryDirectory() as tmp:
                    async with FakeTelegram() as fake:
                        fake.latency = LATENCY
                        for run in (
                            broadcast_soak(fake, db, Path(tmp), plan.recipients,
                                           plan.broadcast_kills, rng),
                            relay_soak(fake, db, Path(tmp), plan.questions, plan.relay_kills,
                                       rng),
                        ):  # fmt: skip
                            result = {**await run, "seed": seed}
                            print(json.dumps(result), file=sys.stderr, flush=True)
                            results.append(result)
            finally:
                await db.dispose()
    kills = sum(int(str(r["kills"])) for r in results)
    results.append(
        {
            "bench": "soak-kills",
            "value": kills,
            "unit": "SIGKILLs",
            "baseline": 30,
            "ratio": round(kills / 30, 3),
            "ok": all(r["ok"] for r in results),
            "at_least_30": kills >= 30,
            "seed": seed,
        }
    )
    return results


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    """``python -m bench soak``."""
    return await soak(args)


def main() -> int:
    """``python -m bench.soak [--size N] [--seed S] [--quick] [--database URL]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--size", type=int, default=None, help="broadcast recipients")
    parser.add_argument("--seed", type=int, default=None, help="repeat a run's kill times")
    parser.add_argument("--quick", action="store_true", help="a short version (1,000)")
    parser.add_argument("--database", action="append", default=None, help="database URL(s)")
    args = parser.parse_args()
    results = asyncio.run(soak(args))
    for result in results:
        print(json.dumps(result), flush=True)
    return 0 if results[-1]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
