"""The fake Bot API in a child process, as Telegram is in production: its CPU is not ours.

The benchmark process talks to it over a pipe: queue N user messages, then wait until the bot
has sent M messages. Both the no-op baseline and our bot measure against the same setup.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType

from tests.fake_telegram import FakeTelegram

# The Bot API methods that count as the bot answering a chat.
_REPLY_METHODS = frozenset({"sendmessage", "editmessagetext"})


def _serve(conn: Connection) -> None:
    asyncio.run(_serve_async(conn))


async def _serve_async(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    async with FakeTelegram() as fake:
        conn.send((fake.base_url, fake.token))
        while True:
            command, argument = await loop.run_in_executor(None, conn.recv)
            if command == "queue":
                first, texts = argument
                for n, text in enumerate(texts):
                    await fake.user(first + n, f"User{n}").send(text)
                conn.send(fake.pending_updates())
            elif command == "users":
                first, count = argument
                for n in range(count):
                    fake.user(first + n, f"Mentor{n}")
                conn.send(count)
            elif command == "configure":
                latency, per_second = argument
                fake.latency = latency
                fake.limits(global_per_second=per_second)
                conn.send(None)
            elif command == "load":
                conn.send(await _load(fake, argument))
            elif command == "tally":
                conn.send(_tally(fake, *argument))
            elif command == "wait_sent":
                # Polling keeps the fake's own hot path untouched (no per-call predicate).
                while len(fake.calls_to("sendMessage")) < argument:  # noqa: ASYNC110
                    await asyncio.sleep(0.002)
                conn.send(len(fake.calls_to("sendMessage")))
            else:
                conn.send(None)
                return


def _tally(fake: FakeTelegram, first: int, count: int) -> dict[str, object]:
    """Per recipient in ``first…first + count - 1``: how many sends arrived, and when."""
    times: list[float] = []
    per_chat: dict[int, int] = {}
    for call in fake.calls_to("sendMessage"):
        chat = call.params.get("chat_id")
        if call.ok and isinstance(chat, int) and first <= chat < first + count:
            per_chat[chat] = per_chat.get(chat, 0) + 1
            times.append(call.at)
    return {
        "delivered": len(per_chat),
        "duplicated": sum(1 for n in per_chat.values() if n > 1),
        "times": sorted(times),
        "edits": sum(1 for call in fake.calls_to("editMessageText") if call.ok),
        "throttled": sum(1 for call in fake.calls if call.error_code == 429),
    }


@dataclass(frozen=True)
class LoadPlan:
    """A steady stream of user messages (see ``RemoteFake.load``).

    Every ``interval`` seconds the next of ``len(scripts)`` people (round-robin, user ids from
    ``first_user``) sends the next text of their own script (cycled), for ``seconds``. Sends to a
    chat whose text starts with one of ``not_replies`` (messages relayed from someone else) are
    not answers to that chat's person.
    """

    first_user: int
    scripts: list[list[str]]
    interval: float
    seconds: float
    grace: float
    not_replies: tuple[str, ...] = ()


async def _load(fake: FakeTelegram, plan: LoadPlan) -> dict[str, object]:
    """Run ``plan``; per update, milliseconds from queued to the bot's first answer to it."""
    users = [fake.user(plan.first_user + n, f"Person{n}") for n in range(len(plan.scripts))]
    queued: list[tuple[int, float]] = []
    total = round(plan.seconds / plan.interval)
    start = time.monotonic()
    cpu = time.process_time()
    lag = 0.0
    for i in range(total):
        due = start + i * plan.interval
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        person = i % len(users)
        script = plan.scripts[person]
        now = time.monotonic()
        lag = max(lag, now - due)
        await users[person].send(script[(i // len(users)) % len(script)])
        queued.append((users[person].id, now))
    generated = time.monotonic() - start
    cpu_generating = time.process_time() - cpu
    waited_until = time.monotonic() + plan.grace
    while True:
        latencies, last_reply = _match(fake, queued, plan.not_replies)
        if len(latencies) == len(queued) or time.monotonic() > waited_until:
            break
        await asyncio.sleep(0.05)
    return {
        "queued": len(queued),
        "latencies_ms": latencies,
        "generated_seconds": generated,
        "handled_seconds": max(last_reply, queued[-1][1] if queued else start) - start,
        "max_schedule_lag_ms": lag * 1000,
        "fake_cpu_ms": cpu_generating * 1000,
    }


def _match(
    fake: FakeTelegram, queued: list[tuple[int, float]], not_replies: tuple[str, ...]
) -> tuple[list[float], float]:
    """Per queued update, in order, ms to the first unused answer to its chat at or after it.

    Also returns the time of the last answer used.
    """
    answers: dict[int, list[float]] = {}
    for call in fake.calls:
        if not call.ok or call.method.lower() not in _REPLY_METHODS:
            continue
        chat, text = call.params.get("chat_id"), call.params.get("text")
        if not isinstance(chat, int) or (isinstance(text, str) and text.startswith(not_replies)):
            continue
        answers.setdefault(chat, []).append(call.at)
    cursor: dict[int, int] = {}
    latencies: list[float] = []
    last = 0.0
    for chat, at in queued:
        times = answers.get(chat, [])
        n = cursor.get(chat, 0)
        while n < len(times) and times[n] < at:
            n += 1
        if n < len(times):
            latencies.append((times[n] - at) * 1000)
            last = max(last, times[n])
            n += 1
        cursor[chat] = n
    return latencies, last


class RemoteFake:
    """A handle on the fake Bot API running in a child process."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)

    async def __aenter__(self) -> RemoteFake:
        self._process.start()
        address = await self._recv()
        assert isinstance(address, tuple)
        self.base_url: str = address[0]
        self.token: str = address[1]
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._conn.send(("stop", None))
        await self._recv()
        self._process.join(timeout=10)

    async def _recv(self) -> object:
        return await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)

    async def queue(self, first_user: int, texts: list[str]) -> None:
        """Users ``first_user``, ``first_user + 1``… each send one text."""
        self._conn.send(("queue", (first_user, texts)))
        await self._recv()

    async def users(self, first_user: int, count: int) -> None:
        """Users ``first_user`` … ``first_user + count - 1`` exist (the bot may write to them)."""
        self._conn.send(("users", (first_user, count)))
        await self._recv()

    async def configure(self, *, latency: float, per_second: float | None) -> None:
        """Add ``latency`` seconds to every call; enforce Telegram's overall limit (or none)."""
        self._conn.send(("configure", (latency, per_second)))
        await self._recv()

    async def tally(self, first_user: int, count: int) -> dict[str, object]:
        """What recipients ``first_user`` … received (see ``_tally``)."""
        self._conn.send(("tally", (first_user, count)))
        return await self._recv()  # type: ignore[return-value]

    async def load(self, plan: LoadPlan) -> dict[str, object]:
        """Run ``plan`` and wait (at most ``plan.grace`` s more) until every update is answered.

        Returns ``queued`` (updates sent), ``latencies_ms`` (one per answered update, in order
        of sending), ``generated_seconds``, ``handled_seconds`` (first update to last answer)
        ``max_schedule_lag_ms`` (how late the generator itself ever was) and ``fake_cpu_ms``
        (the fake's own CPU time while the updates were being sent).
        """
        self._conn.send(("load", plan))
        return await self._recv()  # type: ignore[return-value]

    async def wait_sent(self, count: int) -> None:
        """Return once the bot has sent ``count`` messages in all."""
        self._conn.send(("wait_sent", count))
        await self._recv()
