"""The delivery worker: sends what the outbox holds through the Bot API, and records the outcome.

Flow:
    ``start()`` launches one asyncio task. It waits for ``notify()`` (features call
    ``services.outbox.notify()`` after committing an :func:`~bot.services.outbox.enqueue`), or
    one second. Woken by ``notify()`` it claims at once
    (:meth:`~bot.services.outbox.OutboxService.claim_due`, one ``UPDATE … RETURNING``); on the
    one-second poll, when nothing said there is work, it first asks whether anything is due (a
    read on the due index, which on SQLite does not take the single write lock). Claimed rows are
    grouped by chat; each chat gets a task that sends its rows one after the other, so one chat
    never has two sends in flight and keeps its order, while up to ``concurrency`` chats are sent
    to at once. Chats with a send in flight are left out of the next claims. When a chat's sends
    finish, the worker claims again only if rows may be waiting for it: a claim was cut short by
    ``batch``, or left this chat's rows out because it was busy.

Rate limits: the ``bot`` is the Application's ``ExtBot``, so PTB's ``AIORateLimiter`` (app.py)
paces all sends to ~30/s and already waits out and retries a 429 a few times. Telegram's
~1 message/s per private chat is not paced here: sends to one chat are sequential, and a 429
that gets past the limiter puts the row back for ``retry_after``.

Outcomes:
    ========================================  ==============================================
    2xx                                       SENT with the message id; never sent again
    ``RetryAfter`` (429)                      waits ``retry_after``; not counted as an attempt
    ``Forbidden`` (403), ``BadRequest``       BLOCKED, the person too, coordinators told;
    "chat not found" / "user is deactivated"  never retried
    other ``BadRequest``                      FAILED (permanent; logged by id and error)
    ``TimedOut``, connection lost mid-answer  UNCERTAIN, then resent (below)
    ``NetworkError`` (5xx, no connection)     retried after 2 s, 4 s, 8 s… (at most 10 min
                                              apart), FAILED after :data:`MAX_ATTEMPTS`
    ========================================  ==============================================

Timeouts: the Bot API has no idempotency key, so a timed-out send may or may not have arrived.
The row becomes UNCERTAIN and is resent with the same content after 30 s (``Delivery.resend``
is True for that send); each further unknown outcome earns another resend after 4x the pause
(2 min, 8 min), and after three resends the row is FAILED ("outcome unknown"): never resent
blindly forever. A rare duplicate is better than a lost question. A request that provably
never left (no connection from the pool, connect timeout) is an ordinary retry instead. Rows a
killed process left SENDING are settled the same way by ``recover_after_crash()`` before the
worker starts.

Stopping: ``stop()`` claims nothing more, lets sends in flight finish (up to ``grace`` seconds,
then cancels them and records them as timed out) and gives unsent claimed rows back, so a clean
shutdown never leaves a row SENDING. Logs carry ids, kinds and event names, never message text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageId,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.clock import Clock
from bot.services.outbox import PRIORITY_BULK, Delivery, OutboxService, OutboxStatus

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=2)
BACKOFF_CAP = timedelta(minutes=10)
MAX_ATTEMPTS = 150
"""Attempts before a transient failure becomes FAILED: 2 s, 4 s … 512 s, then every 10 minutes,
which is about a day of trying (a Telegram outage or our own connection being down)."""

# Bad requests that mean the recipient cannot be reached at all, rather than a bad message.
_UNREACHABLE = ("chat not found", "user is deactivated")
# A request that timed out before it left cannot have arrived: an ordinary retry.
_NEVER_LEFT = (httpx.PoolTimeout, httpx.ConnectTimeout)
# The request went out and the connection broke before the answer: like a timeout.
_ANSWER_LOST = (httpx.ReadError, httpx.RemoteProtocolError)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 2 s, 4 s, 8 s… capped at 10 minutes."""
    if attempts < 1:
        raise ValueError("attempts start at 1")
    return min(BACKOFF_BASE * 2 ** min(attempts - 1, 16), BACKOFF_CAP)


@dataclass(frozen=True)
class Sent:
    """Telegram confirmed the message."""

    message_id: int


@dataclass(frozen=True)
class Throttled:
    """Flood control: try again after ``after``."""

    after: timedelta


@dataclass(frozen=True)
class Blocked:
    """The recipient cannot be reached."""

    error: str


@dataclass(frozen=True)
class Rejected:
    """Telegram refused this message; sending it again would fail the same way."""

    error: str


@dataclass(frozen=True)
class Unknown:
    """The outcome is unknown: the message may or may not have arrived."""

    error: str


@dataclass(frozen=True)
class Transient:
    """Not sent this time (network, 5xx); worth trying again later."""

    error: str


Outcome = Sent | Throttled | Blocked | Rejected | Unknown | Transient


def _describe(error: Exception) -> str:
    detail = error.message if isinstance(error, TelegramError) else str(error)
    return f"{type(error).__name__}: {detail}"


def classify(error: TelegramError) -> Outcome:
    """What a Bot API error means for the message that caused it."""
    description = _describe(error)
    if isinstance(error, RetryAfter):
        # The int-valued public attribute is deprecated in PTB 22; the timedelta is the value.
        return Throttled(error._retry_after)
    if isinstance(error, Forbidden):
        return Blocked(description)
    if isinstance(error, TimedOut):
        never_left = isinstance(error.__cause__, _NEVER_LEFT)
        return Transient(description) if never_left else Unknown(description)
    if isinstance(error, BadRequest):
        lowered = error.message.lower()
        if any(reason in lowered for reason in _UNREACHABLE):
            return Blocked(description)
        return Rejected(description)
    if isinstance(error, ChatMigrated):
        return Rejected(description)
    if isinstance(error.__cause__, _ANSWER_LOST):
        return Unknown(description)
    return Transient(description)


def _keyboard(rows: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    button["text"],
                    callback_data=button.get("callback_data"),
                    url=button.get("url"),
                )
                for button in row
            ]
            for row in rows
        ]
    )


def render(bot: Bot, delivery: Delivery) -> Callable[[], Awaitable[Message | MessageId]]:
    """The Bot API call that sends ``delivery``'s payload (see ``bot.services.outbox.enqueue``).

    Raises:
        KeyError, TypeError, ValueError: for a payload that describes no sendable message.
    """
    payload = delivery.payload
    chat_id = delivery.chat_id
    markup = _keyboard(payload.get("buttons"))
    media = payload.get("media")
    edit = payload.get("edit")
    if edit is not None:
        message_id = int(edit["message_id"])

        async def edit_text() -> Message:
            edited = await bot.edit_message_text(
                payload["text"],
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
            if not isinstance(edited, Message):  # only inline messages answer True
                raise ValueError("editing a chat message returned no message")
            return edited

        return edit_text
    if media is None:
        text: str = payload["text"]
        return lambda: bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
    caption: str | None = media.get("caption", payload.get("text"))
    common: dict[str, Any] = {
        "caption": caption,
        "parse_mode": ParseMode.HTML,
        "reply_markup": markup,
    }
    match media["type"]:
        case "photo":
            return lambda: bot.send_photo(chat_id, media["file_id"], **common)
        case "voice":
            return lambda: bot.send_voice(chat_id, media["file_id"], **common)
        case "document":
            return lambda: bot.send_document(chat_id, media["file_id"], **common)
        case "copy":
            source = (int(media["from_chat_id"]), int(media["message_id"]))
            return lambda: bot.copy_message(chat_id, *source, **common)
    raise ValueError(f"unknown media type {media['type']!r}")


class _GroupCommit:
    """Confirmed sends recorded together: while one transaction commits, the confirmations
    that arrive meanwhile queue up and go into the next one. Nothing waits for a batch to
    fill, so a lone confirmation is written at once; under load one write records many.
    Each caller returns only once its own confirmation is committed.
    """

    def __init__(self, outbox: OutboxService) -> None:
        self._outbox = outbox
        self._pending: list[tuple[int, int, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, outbox_id: int, telegram_message_id: int) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((outbox_id, telegram_message_id, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="delivery-group-commit")
        await done

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._outbox.mark_sent_many([(i, m) for i, m, _ in batch])
            except Exception as exc:  # each caller logs it; the rows stay SENDING
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, _, done in batch:
                    if not done.done():
                        done.set_result(None)


class DeliveryWorker:
    """Sends due outbox rows through ``bot`` until stopped.

    Args:
        bot: The Application's bot (its rate limiter applies to every send).
        outbox: Where rows are claimed and outcomes recorded.
        clock: The time source (the worker measures how late each send is).
        batch: At most this many rows claimed and not yet settled at once.
        concurrency: At most this many sends in flight (each to a different chat).
        bulk_concurrency: At most this many of them bulk (broadcast copies); default half.
            Every send waits its turn in the shared rate limiter, so what waits there is what
            an interactive reply queues behind: capping bulk keeps replies at most
            ``bulk_concurrency / rate`` seconds late during a broadcast (8 / 30 s ≈ 0.3 s),
            while 8 sends in flight still fill 30/s up to a Bot API round trip of 250 ms.
        poll_interval: Seconds between checks for due rows when nobody calls ``notify()``.
        max_attempts: Transient failures before a row is FAILED.
        grace: Seconds ``stop()`` lets sends in flight finish before cancelling them.
    """

    def __init__(
        self,
        bot: Bot,
        outbox: OutboxService,
        clock: Clock,
        *,
        batch: int = 32,
        concurrency: int = 16,
        bulk_concurrency: int | None = None,
        poll_interval: float = 1.0,
        max_attempts: int = MAX_ATTEMPTS,
        grace: float = 15.0,
    ) -> None:
        if batch < 1 or concurrency < 1:
            raise ValueError("batch and concurrency must be at least 1")
        self._bot = bot
        self._outbox = outbox
        self._clock = clock
        self._batch = batch
        self._poll_interval = poll_interval
        self._max_attempts = max_attempts
        self._grace = grace
        self._slots = asyncio.Semaphore(concurrency)
        self._bulk_slots = asyncio.Semaphore(bulk_concurrency or max(1, concurrency // 2))
        self._wake = asyncio.Event()
        # A claim was wanted while ``batch`` rows were out: claim when a chat finishes.
        self._more = False
        # Chats a claim left out while they were busy: their due rows may be waiting.
        self._held: set[int] = set()
        self._stopping = False
        self._loop: asyncio.Task[None] | None = None
        self._chats: dict[int, asyncio.Task[None]] = {}
        self._claimed = 0
        self._writes: set[asyncio.Task[Any]] = set()
        self._confirmations = _GroupCommit(outbox)
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def running(self) -> bool:
        """Whether the worker's loop is alive (for the health check)."""
        return self._loop is not None and not self._loop.done() and not self._stopping

    def start(self) -> None:
        """Start sending (call ``OutboxService.recover_after_crash`` first)."""
        if self._loop is not None:
            raise RuntimeError("the delivery worker was already started")
        self._unsubscribe = self._outbox.subscribe(self.notify)
        # The loop's first pass looks for whatever became due while we were down.
        self._loop = asyncio.create_task(self._run(), name="delivery-worker")
        log.info("delivery_started")

    def notify(self) -> None:
        """Look for due rows now instead of at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop claiming, finish or record what is in flight, give back the rest. Idempotent."""
        if self._loop is None or self._stopping:
            return
        self._stopping = True
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._wake.set()
        await self._loop
        chats = list(self._chats.values())
        if chats:
            _done, late = await asyncio.wait(chats, timeout=self._grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
        log.info("delivery_stopped")

    # -- the loop -----------------------------------------------------------------------------

    async def _run(self) -> None:
        told = False  # whether something said there is work (or the poll must find out)
        while not self._stopping:
            # Cleared before claiming: a notify() that arrives while the claim runs is kept,
            # and claims again right after it.
            self._wake.clear()
            try:
                await self._claim(probe=not told)
            except Exception:
                log.exception("delivery_claim_failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            except TimeoutError:
                told = False
            else:
                told = True

    async def _claim(self, *, probe: bool) -> None:
        """Claim due rows until a claim comes back short, or ``batch`` rows are out.

        Args:
            probe: Nothing said there is work (the poll): ask with a read first, because on
                SQLite a claim is a write transaction and takes the single write lock.
        """
        self._more = False
        if probe and not await self._outbox.has_due():
            return
        while not self._stopping:
            limit = self._batch - self._claimed
            if limit <= 0:
                self._more = True
                return
            busy = set(self._chats)
            # Before the claim: a busy chat that finishes while it runs must claim again.
            self._held |= busy
            deliveries = await self._outbox.claim_due(limit, exclude_chats=busy)
            self._claimed += len(deliveries)
            by_chat: dict[int, list[Delivery]] = {}
            for delivery in deliveries:
                by_chat.setdefault(delivery.chat_id, []).append(delivery)
            for chat_id, rows in by_chat.items():
                self._chats[chat_id] = asyncio.create_task(
                    self._send_chat(chat_id, rows), name=f"delivery-chat-{chat_id}"
                )
            if len(deliveries) < limit:
                return

    async def _send_chat(self, chat_id: int, deliveries: list[Delivery]) -> None:
        unsent = deque(deliveries)
        try:
            while unsent and not self._stopping:
                bulk = unsent[0].priority >= PRIORITY_BULK
                async with self._bulk_slots if bulk else contextlib.nullcontext(), self._slots:
                    if self._stopping:
                        break
                    delivery = unsent.popleft()
                    outcome = await self._attempt(delivery)
                await self._persist(self._record(delivery, outcome))
        finally:
            if unsent:
                await self._persist(self._outbox.release([d.id for d in unsent]))
            del self._chats[chat_id]
            self._claimed -= len(deliveries)
            if self._more or chat_id in self._held:
                self._wake.set()  # rows may be waiting for the room or for this chat
            self._held.discard(chat_id)

    async def _attempt(self, delivery: Delivery) -> Outcome:
        try:
            send = render(self._bot, delivery)
        except Exception as error:  # enqueue validates; only a row written around it gets here
            return Rejected(f"invalid payload: {type(error).__name__}")
        try:
            result = await send()
        except asyncio.CancelledError:
            # Stopped mid-request: Telegram may or may not have the message.
            await self._persist(self._record(delivery, Unknown("cancelled mid-send")))
            raise
        except TelegramError as error:
            return classify(error)
        except Exception as error:
            log.exception("outbox_send_error id=%d", delivery.id)
            return Transient(_describe(error))
        return Sent(result.message_id)

    async def _persist(self, write: Coroutine[Any, Any, object]) -> None:
        # A recorded outcome must not be lost to a cancellation (a stop, a shutdown): the write
        # runs as its own task, and stop() waits for every such task.
        task = asyncio.create_task(write)
        self._writes.add(task)
        task.add_done_callback(self._written)
        with contextlib.suppress(Exception):  # _written logs it
            await asyncio.shield(task)

    def _written(self, task: asyncio.Task[Any]) -> None:
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The row stays SENDING until the next start's recover_after_crash settles it.
            log.error("outbox_record_failed", exc_info=task.exception())

    async def _record(self, delivery: Delivery, outcome: Outcome) -> None:
        ids = f"id={delivery.id} chat={delivery.chat_id} kind={delivery.kind}"
        attempt = f"attempt={delivery.attempts} resend={delivery.resend}"
        match outcome:
            case Sent(message_id):
                await self._confirmations.record(delivery.id, message_id)
                lag = (self._clock.now() - delivery.due_at).total_seconds()
                log.info("outbox_sent %s %s lag=%.1fs", ids, attempt, lag)
            case Throttled(after):
                await self._outbox.mark_throttled(delivery.id, after)
                log.info("outbox_throttled %s retry_after=%gs", ids, after.total_seconds())
            case Blocked(error):
                notices = await self._outbox.mark_blocked(delivery.id, error)
                log.info("outbox_blocked %s error=%r notices=%d", ids, error, notices)
            case Rejected(error):
                await self._outbox.mark_failed(delivery.id, error)
                log.error("outbox_failed %s %s error=%r", ids, attempt, error)
            case Unknown(error):
                status = await self._outbox.mark_uncertain(delivery.id, error)
                event = "outbox_uncertain" if status == OutboxStatus.UNCERTAIN else "outbox_failed"
                log.warning("%s %s %s error=%r", event, ids, attempt, error)
            case Transient(error) if delivery.attempts >= self._max_attempts:
                await self._outbox.mark_failed(delivery.id, f"gave up: {error}")
                log.error("outbox_failed %s %s error=%r", ids, attempt, error)
            case Transient(error):
                wait = backoff(delivery.attempts)
                await self._outbox.mark_retry(delivery.id, wait, error)
                log.info(
                    "outbox_retry %s %s in=%gs error=%r", ids, attempt, wait.total_seconds(), error
                )
