"""``load``: reply latency and memory with many people active at once.

N registered, onboarded people (default 500: one mentor for every five mentees, most mentees
paired, every one with a profile and a timezone) are seeded directly in the database. The fake
Bot API runs in a child process, as Telegram is remote, and generates the traffic on a steady
schedule: every 10 ms one update from the next person, round-robin (100 updates/s in total;
with 500 people each writes every 5 s). Each person follows their own realistic script —
``/help``, ``/mymentor`` or ``/mymentees``, ``/questions``, ``/goals`` (a mentee without goals
starts one) then ``/cancel``, ``/gratitude``, plain text outside any step, and ``/ask``
followed by a question (a write and an outbox relay to the mentor).

Latency: the fake records when it queued each update and when the bot's first ``sendMessage``
or ``editMessageText`` to that chat arrived after it (relayed questions, written to the mentor
because of someone else's update, are not answers). The bot runs in its own process too, with
Telegram's 30 messages/s limit lifted: we measure our processing, not Telegram's cap. The
baseline is a bare PTB handler that answers each update with one message, no storage, under
the same schedule and transport.

Memory: the bot process's resident memory (``VmRSS`` after a garbage collection) after the same
short run with N registered people and with 11·N registered (only N active in both):
``(RSS₂ − RSS₁) / 10N`` is what one more registered person costs us. The Python heap (traced by
``tracemalloc``, whose own bookkeeping is subtracted from the RSS) is reported alongside.

``BENCH_LOAD_PROFILE=DIR`` writes a cProfile of the bot's event loop for each main run there.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import multiprocessing
import os
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import select
from telegram import Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters

from bench.databases import backend, databases
from bench.remote import LoadPlan, RemoteFake
from bench.updates import FIRST_USER
from bot.app import build_application, freeze_startup_objects
from bot.config import Settings
from bot.i18n import t
from bot.services.profile import FIELDS, MENTEE_STAGES, MENTOR_STAGES
from storage.database import Database
from storage.migrate import upgrade
from storage.models import (
    Membership,
    Pairing,
    PairingOrigin,
    PairingStatus,
    Person,
    PersonStatus,
    Profile,
    Programme,
    Role,
)

DEFAULT_SIZE = 500
DEFAULT_SECONDS = 60.0
INTERVAL = 0.01  # one update every 10 ms: 100 updates/s in total
MEMORY_SECONDS = 10.0  # each of the two memory runs
EXTRA_FACTOR = 10  # the second memory run has (1 + EXTRA_FACTOR) × N registered people
GRACE = 10.0  # how long answers may still come after the last update
TARGET_P99_MS = 50.0
TARGET_KB_PER_PERSON = 2.0
GROUP = 6  # in every 6 people: 1 mentor and the 5 mentees paired with them
UNPAIRED_EVERY = 10  # every 10th mentee has no mentor yet
TIMEZONES = ("Europe/Madrid", "America/Lima", "UTC", "Asia/Kolkata", "Africa/Nairobi")
QUESTION = "How do I present a case on a ward round without losing the consultant?"
CHAT = "Hello! What can I do here?"
MENTEE_SCRIPT = [
    "/help",
    "/mymentor",
    "/ask",
    QUESTION,
    "/questions",
    "/goals",
    "/cancel",
    CHAT,
    "/gratitude",
    "/ask",
    QUESTION + " And how long should it take?",
    "/mymentor",
]
MENTOR_SCRIPT = ["/help", "/mymentees", "/questions", "/goals", CHAT, "/gratitude"]


def _is_mentor(n: int) -> bool:
    return n % GROUP == 0


def _scripts(size: int) -> list[list[str]]:
    """Each person's script, rotated so that the mix is the same at every moment."""
    scripts = []
    for n in range(size):
        script = MENTOR_SCRIPT if _is_mentor(n) else MENTEE_SCRIPT
        shift = n % len(script)
        scripts.append(script[shift:] + script[:shift])
    return scripts


async def _seed(db: Database, first: int, count: int) -> None:
    """People ``first`` … ``first + count - 1``: registered, onboarded, in the default programme.

    In every group of six the first is a mentor and the other five are their mentees; every
    tenth mentee is not paired yet.
    """
    now = datetime.now(UTC)
    async with db.session() as s:
        programme = await s.scalar(select(Programme).where(Programme.is_default))
        if programme is None:
            programme = Programme(name="Bench", is_default=True, settings={}, created_at=now)
            s.add(programme)
            await s.flush()
        people = [
            Person(
                telegram_id=first + n,
                display_name=f"Person {first + n}",
                language="en",
                timezone=TIMEZONES[n % len(TIMEZONES)],
                status=PersonStatus.ACTIVE,
                consent_at=now,
                onboarded_at=now,
                created_at=now,
                updated_at=now,
            )
            for n in range(count)
        ]
        s.add_all(people)
        await s.flush()
        for n, person in enumerate(people):
            mentor = _is_mentor(n)
            role = Role.MENTOR if mentor else Role.MENTEE
            s.add(Membership(programme_id=programme.id, person_id=person.id, role=role,
                             joined_at=now))  # fmt: skip
            stages = MENTOR_STAGES if mentor else MENTEE_STAGES
            s.add(
                Profile(
                    person_id=person.id,
                    field=FIELDS[n % len(FIELDS)],
                    stage=stages[n % len(stages)],
                    interests=[],
                    languages=["en"],
                    capacity=5 if mentor else None,
                    updated_at=now,
                )
            )
            if not mentor and n % (GROUP * UNPAIRED_EVERY) != 1:
                s.add(
                    Pairing(
                        programme_id=programme.id,
                        mentor_id=people[n - n % GROUP].id,
                        mentee_id=person.id,
                        status=PairingStatus.ACTIVE,
                        origin=PairingOrigin.COORDINATOR,
                        reasons=[],
                        started_at=now,
                    )
                )


# --- the bot, in its own process ---------------------------------------------------------


@dataclass(frozen=True)
class BotOptions:
    """What the bot process runs: our bot on ``database_url``, or the reply-only baseline."""

    base_url: str
    token: str
    database_url: str | None
    trace_memory: bool = False
    profile_to: str | None = None


def _bot_main(conn: Connection, options: BotOptions) -> None:
    asyncio.run(_bot_async(conn, options))


def _reply_only_app(options: BotOptions) -> Any:
    """A bare PTB application answering every update with one message (no storage)."""
    text = t("en", "unknown.message")

    async def reply(update: Update, _context: object) -> None:
        assert update.effective_chat is not None
        await update.effective_chat.send_message(text, parse_mode="HTML")

    app = (
        ApplicationBuilder()
        .token(options.token)
        .base_url(options.base_url)
        .concurrent_updates(64)
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, reply))
    return app


def _our_app(options: BotOptions) -> Any:
    assert options.database_url is not None
    settings = Settings(
        _env_file=None,
        telegram_bot_token=options.token,
        telegram_api_base_url=options.base_url,
        database_url=options.database_url,
        sweep_seconds=3600,  # nothing time-driven may write to the chats we time
    )
    return build_application(settings, Database(options.database_url), messages_per_second=None)


def _status_kb(field: str) -> int:
    """A ``VmRSS``-like line of /proc/self/status, in KB (0 where there is no /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


async def _bot_async(conn: Connection, options: BotOptions) -> None:
    """Poll until the parent says so, then report memory; the parent times everything."""
    loop = asyncio.get_running_loop()
    if options.trace_memory:
        tracemalloc.start()
    app = _reply_only_app(options) if options.database_url is None else _our_app(options)
    freeze_startup_objects()  # as ``python -m bot run`` does (the baseline too, to be fair)
    profiler = cProfile.Profile() if options.profile_to else None
    async with app:
        if app.post_init is not None:
            await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        conn.send("ready")
        cpu = time.process_time()
        if profiler is not None:
            profiler.enable()
        await loop.run_in_executor(None, conn.recv)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(options.profile_to))
        cpu_ms = round((time.process_time() - cpu) * 1000)
        gc.collect()
        report = {
            "cpu_ms": cpu_ms,
            "rss_kb": _status_kb("VmRSS"),
            "peak_rss_kb": _status_kb("VmHWM"),
        }
        if options.trace_memory:
            current, peak = tracemalloc.get_traced_memory()
            report.update(
                traced_kb=current // 1024,
                traced_peak_kb=peak // 1024,
                tracemalloc_overhead_kb=tracemalloc.get_tracemalloc_memory() // 1024,
            )
        await app.updater.stop()
        await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
    conn.send(report)


async def _recv(conn: Connection) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, conn.recv)


async def _run(
    size: int,
    seconds: float,
    database_url: str | None,
    *,
    trace_memory: bool = False,
    profile_to: str | None = None,
) -> tuple[dict[str, Any], dict[str, int]]:
    """One run: the fake's load report and the bot process's memory report."""
    not_replies = (t("en", "qa.new_question", name="\x01").split("\x01")[0],)
    plan = LoadPlan(FIRST_USER, _scripts(size), INTERVAL, seconds, GRACE, not_replies)
    async with RemoteFake() as fake:
        options = BotOptions(fake.base_url, fake.token, database_url, trace_memory, profile_to)
        context = multiprocessing.get_context("spawn")
        conn, child = context.Pipe()
        process = context.Process(target=_bot_main, args=(child, options), daemon=True)
        process.start()
        child.close()  # so that a crashed bot process ends our wait with EOFError
        try:
            await _recv(conn)  # ready
            load = await fake.load(plan)
            conn.send("measure")
            memory: dict[str, int] = await _recv(conn)
        finally:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    return load, memory


def _latency_line(
    name: str, size: int, load: dict[str, Any], baseline_p99: float
) -> dict[str, Any]:
    latencies: list[float] = load["latencies_ms"]
    queued: int = load["queued"]
    ordered = sorted(latencies) or [float("nan")]
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {
        "bench": f"load-latency-p99-{name}-{size}",
        "value": round(p99, 1),
        "unit": "ms",
        "baseline": round(baseline_p99, 1),
        "ratio": round(p99 / baseline_p99, 3),
        "target_ms": TARGET_P99_MS,
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(ordered[-1], 1),
        "queued": queued,
        "answered": len(latencies),
        "unanswered": queued - len(latencies),
        "offered_per_s": round(queued / load["generated_seconds"], 1),
        "handled_per_s": round(len(latencies) / load["handled_seconds"], 1),
        "max_schedule_lag_ms": round(load["max_schedule_lag_ms"], 1),
        "fake_cpu_ms_per_update": round(load["fake_cpu_ms"] / max(1, queued), 2),
    }


async def _measure(
    url: str, size: int, seconds: float, baseline_p99: float
) -> list[dict[str, Any]]:
    """The latency run and the two memory runs on one database."""
    name = backend(url)
    db = Database(url)
    await upgrade(db)
    await _seed(db, FIRST_USER, size)
    await db.dispose()
    profile_dir = os.environ.get("BENCH_LOAD_PROFILE")
    profile_to = str(Path(profile_dir) / f"load-{name}.prof") if profile_dir else None
    load, memory = await _run(size, seconds, url, profile_to=profile_to)
    line = _latency_line(name, size, load, baseline_p99)
    line["rss_kb"] = memory["rss_kb"]
    line["bot_cpu_ms_per_update"] = round(memory["cpu_ms"] / max(1, line["queued"]), 2)
    results = [line]

    short = min(seconds, MEMORY_SECONDS)
    _, small = await _run(size, short, url, trace_memory=True)
    extra = EXTRA_FACTOR * size
    db = Database(url)
    await _seed(db, FIRST_USER + size, extra)
    await db.dispose()
    _, large = await _run(size, short, url, trace_memory=True)

    def heap_kb(report: dict[str, int]) -> int:
        return report["rss_kb"] - report.get("tracemalloc_overhead_kb", 0)

    per_person = (heap_kb(large) - heap_kb(small)) / extra
    results.append(
        {
            "bench": f"load-memory-per-person-{name}-{size}-vs-{size + extra}",
            "value": round(per_person, 3),
            "unit": "KB/person",
            "baseline": TARGET_KB_PER_PERSON,
            "ratio": round(per_person / TARGET_KB_PER_PERSON, 3),
            "baseline_is": "target",
            "rss_kb": [heap_kb(small), heap_kb(large)],
            "peak_rss_kb": [small["peak_rss_kb"], large["peak_rss_kb"]],
            "traced_kb": [small["traced_kb"], large["traced_kb"]],
            "traced_peak_kb": [small["traced_peak_kb"], large["traced_peak_kb"]],
            "traced_kb_per_person": round((large["traced_kb"] - small["traced_kb"]) / extra, 3),
            "seconds": short,
        }
    )
    return results


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    """The reply-only baseline, then our bot on each database."""
    size = args.size or DEFAULT_SIZE
    seconds = getattr(args, "seconds", None) or DEFAULT_SECONDS
    baseline, _ = await _run(size, seconds, None)
    reply_only = _latency_line("reply-only", size, baseline, TARGET_P99_MS)
    baseline_p99 = float(reply_only["p99_ms"])
    results: list[dict[str, object]] = []
    async with databases(args) as urls:
        for url in urls:
            results.extend(await _measure(url, size, seconds, baseline_p99))
    for line in results:
        line["reply_only"] = {
            key: reply_only[key] for key in ("p50_ms", "p99_ms", "max_ms", "unanswered")
        }
    return results
