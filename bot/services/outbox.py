"""The outbox: every message to someone other than the person who just acted goes out from here.

Flow:
    1. A service changes something and, in the same transaction, calls :func:`enqueue` (or
       :func:`enqueue_once`) with the session it already holds. The notification is committed
       with the change or not at all.
    2. After the commit it calls ``services.outbox.notify()``, which wakes the delivery worker
       (``bot/delivery.py``) at once instead of at its next one-second poll.
    3. The worker claims due rows (:meth:`OutboxService.claim_due`: PENDING or UNCERTAIN with
       ``next_attempt_at <= now`` become SENDING, ``attempts + 1``), sends each through the Bot
       API and records what happened with one ``mark_*`` method, each one transaction.

States (``storage.models.OutboxStatus``)::

    PENDING ──claim──> SENDING ──> SENT        Telegram confirmed it (2xx): never sent again
       ^                  │  ├───> BLOCKED     403, chat not found, user deactivated: never retried
       └── 429, 5xx ──────┤  ├───> FAILED      permanent error, or retries exhausted
                          │  └───> UNCERTAIN   timed out: it may or may not have arrived
    UNCERTAIN ─claim─> SENDING (a resend) ──> SENT | BLOCKED | FAILED | UNCERTAIN (again)
                          └── 429, 5xx: back to UNCERTAIN, still owed its resend

Timeouts and crashes: the Bot API has no idempotency key, so after a timeout nobody knows
whether the message arrived. The row becomes UNCERTAIN and is resent with the same content
after :data:`RESEND_PAUSE`; each further unknown outcome earns another resend after four times
the previous pause (30 s, 2 min, 8 min), up to :data:`MAX_RESENDS`. Only then is the row
FAILED ("outcome unknown"): it is not retried forever. For a mentoring relay a rare duplicate
is better than a lost question, and three timeouts in a row on one message are rare (with 3 %
of calls timing out, about one message in a million). Rows a killed process left SENDING are
treated exactly like a timeout (:meth:`OutboxService.recover_after_crash`). The count lives in
``unknown_outcomes``, so it survives restarts; ``sent_at`` is when Telegram confirmed a SENT
row, or on any other row when the first attempt with an unknown outcome was made.

Priorities: lower goes first. :data:`PRIORITY_INTERACTIVE` (0) for replies someone waits for,
:data:`PRIORITY_NOTICE` for operational notices, :data:`PRIORITY_BULK` (10) for broadcasts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NotRequired, TypedDict, Unpack, cast

from sqlalchemy import ColumnElement, Table, case, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Safe, t
from storage.database import Database
from storage.models import Membership, OutboxMessage, OutboxStatus, Person, PersonStatus, Role

log = logging.getLogger(__name__)

PRIORITY_INTERACTIVE = 0
PRIORITY_NOTICE = 5
PRIORITY_BULK = 10
RESEND_PAUSE = timedelta(seconds=30)
"""How long an UNCERTAIN row waits before its first resend (each next one waits 4x longer)."""
MAX_RESENDS = 3
"""Resends after unknown outcomes before a row is FAILED."""

MEDIA_TYPES = frozenset({"photo", "voice", "document", "copy"})
FINAL_STATUSES = frozenset({OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.BLOCKED})
_DUE = (OutboxStatus.PENDING, OutboxStatus.UNCERTAIN)
# The worker's statements are Core on the table: one round trip each, no identity map.
_OUTBOX = cast(Table, OutboxMessage.__table__)
_CALLBACK_DATA_BYTES = 64  # Telegram's limit
_ERROR_LENGTH = 200  # the last_error column


class InvalidPayload(ValueError):
    """A payload that does not describe one sendable message."""


@dataclass(frozen=True)
class Delivery:
    """One claimed row, as the worker needs it to send.

    Attributes:
        id: The outbox row.
        chat_id: Telegram chat to send to.
        person_id: The recipient, when the chat belongs to a known person.
        kind: What the message is (``"question"``, ``"broadcast"``…), for logs and reports.
        payload: The message (see :func:`enqueue`).
        attempts: Attempts so far, this one included.
        priority: Lower is more urgent.
        resend: True when this is the single resend of a message whose first send had an
            unknown outcome: it may arrive twice.
        due_at: When it became due (for the worker's lag measurement).
    """

    id: int
    chat_id: int
    person_id: int | None
    kind: str
    payload: dict[str, Any]
    attempts: int
    priority: int
    resend: bool
    due_at: datetime


@dataclass(frozen=True)
class OutboxRecord:
    """A row's delivery state, for tests, reports and support."""

    id: int
    chat_id: int
    person_id: int | None
    kind: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    telegram_message_id: int | None
    last_error: str | None


def _check(condition: bool, problem: str) -> None:
    if not condition:
        raise InvalidPayload(problem)


def _check_button(button: object) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise InvalidPayload("a button must be an object with a text")
    targets = set(button) - {"text"}
    _check(targets in ({"callback_data"}, {"url"}), "a button needs callback_data or url")
    target = button.get("callback_data", button.get("url"))
    _check(isinstance(target, str) and bool(target), "a button target must be a string")
    if "callback_data" in button:
        size = len(str(button["callback_data"]).encode())
        _check(size <= _CALLBACK_DATA_BYTES, "callback_data is longer than 64 bytes")


def _check_media(media: object) -> None:
    if not isinstance(media, dict):
        raise InvalidPayload("media must be an object")
    kind = media.get("type")
    _check(kind in MEDIA_TYPES, f"media type must be one of {sorted(MEDIA_TYPES)}")
    source = {"from_chat_id", "message_id"} if kind == "copy" else {"file_id"}
    _check(set(media) - {"type", "caption"} == source, f"{kind} media needs {sorted(source)}")
    if kind == "copy":
        ids = (media["from_chat_id"], media["message_id"])
        _check(all(type(i) is int for i in ids), "from_chat_id and message_id must be ints")
    else:
        _check(isinstance(media["file_id"], str) and bool(media["file_id"]), "file_id is empty")
    _check(isinstance(media.get("caption", ""), str), "caption must be a string")


def validate_payload(payload: Mapping[str, Any]) -> None:
    """Check that ``payload`` describes one message the worker can send.

    Raises:
        InvalidPayload: naming the first problem found.
    """
    unknown = set(payload) - {"text", "buttons", "media", "sender", "edit"}
    _check(not unknown, f"unknown payload keys {sorted(unknown)}")
    if "sender" in payload:
        sender = payload["sender"]
        _check(isinstance(sender, int) and not isinstance(sender, bool), "sender is a person id")
    _check("text" in payload or "media" in payload, "a payload needs text or media")
    if "text" in payload:
        _check(isinstance(payload["text"], str) and bool(payload["text"]), "text is empty")
    if "buttons" in payload:
        rows = payload["buttons"]
        _check(isinstance(rows, list) and bool(rows), "buttons must be a non-empty list of rows")
        for row in rows:
            _check(isinstance(row, list) and bool(row), "a button row must be a non-empty list")
            for button in row:
                _check_button(button)
    if "media" in payload:
        _check_media(payload["media"])
    if "edit" in payload:
        edit = payload["edit"]
        _check(
            isinstance(edit, dict) and isinstance(edit.get("message_id"), int),
            "edit needs the message_id of a message we sent",
        )
        _check("text" in payload and "media" not in payload, "an edit replaces text only")


def _row(
    *,
    chat_id: int,
    person_id: int | None,
    kind: str,
    payload: Mapping[str, Any],
    priority: int,
    dedupe_key: str | None,
    not_before: datetime | None,
    now: datetime | None,
) -> dict[str, Any]:
    validate_payload(payload)
    created = now or datetime.now(UTC)
    return {
        "person_id": person_id,
        "chat_id": chat_id,
        "kind": kind,
        "payload": dict(payload),
        "priority": priority,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": not_before or created,
        "created_at": created,
        "dedupe_key": dedupe_key,
    }


def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    person_id: int | None,
    kind: str,
    payload: Mapping[str, Any],
    priority: int = PRIORITY_INTERACTIVE,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    now: datetime | None = None,
    ref: str | None = None,
) -> OutboxMessage:
    """Add one message to the outbox inside the caller's open transaction.

    This is how every feature sends to someone else: the notification is committed together
    with the change that causes it, or rolled back with it. Wake the worker after the commit::

        async with self._db.session() as s:
            question = Question(...)
            s.add(question)
            await s.flush()
            enqueue(
                s,
                chat_id=mentor.telegram_id,
                person_id=mentor.id,
                kind="question",
                payload={
                    "text": question_text,  # rendered in the mentor's language
                    "buttons": [[{"text": answer_label,
                                  "callback_data": f"answer:{question.id}"}]],
                },
                dedupe_key=f"question:{question.id}",
                now=self._clock.now(),
            )
        self._outbox.notify()

    Args:
        session: An open write session (``Database.session()``).
        chat_id: Telegram chat to send to (a person's user id for private chats).
        person_id: The recipient, if the chat is a person's; marked BLOCKED if they block us.
        kind: A short name of what this is, for logs and reports (at most 32 characters).
        payload: ``{"text": str, "buttons": [[...]], "media": {...}}``. ``text`` is Telegram
            HTML. ``buttons`` (optional) are rows of ``{"text", "callback_data"}`` or
            ``{"text", "url"}``. ``media`` (optional) is ``{"type": "photo"|"voice"|
            "document", "file_id"}`` or ``{"type": "copy", "from_chat_id", "message_id"}``,
            with an optional ``"caption"``; without one, ``text`` becomes the caption.
            ``edit`` (optional, ``{"message_id"}``) replaces the text of a message we sent
            to that chat instead of sending a new one (e.g. a pool offer someone took).
            ``sender`` (optional) is the person id whose words these are: if the recipient
            turns out to be unreachable, the sender is told it could not be delivered.
        priority: Lower goes first: :data:`PRIORITY_INTERACTIVE`, :data:`PRIORITY_NOTICE`,
            :data:`PRIORITY_BULK`.
        dedupe_key: Unique forever: a second enqueue with the same key makes the caller's
            transaction fail at commit (IntegrityError), so the change that would notify twice
            is not saved either. Use :func:`enqueue_once` to skip the duplicate instead.
        not_before: Do not send before this instant (defaults to ``now``).
        now: The current time from the caller's injected clock. Pass it: the default is the
            system clock, which a test's ManualClock does not follow.
        ref: What the message belongs to (``"q:<question id>"``): once sent, a Telegram reply
            to it can be traced back with :meth:`OutboxService.ref_of`.

    Returns:
        The new row, pending in the session (its ``id`` is set at the next flush).

    Raises:
        InvalidPayload: when the payload does not describe one sendable message.
    """
    row = OutboxMessage(
        **_row(
            chat_id=chat_id,
            person_id=person_id,
            kind=kind,
            payload=payload,
            priority=priority,
            dedupe_key=dedupe_key,
            not_before=not_before,
            now=now,
        ),
        ref=ref,
    )
    session.add(row)
    return row


class Message(TypedDict):
    """A message to one person (:func:`enqueue_to`, :func:`row_to`); see :func:`enqueue`."""

    kind: str
    payload: Mapping[str, Any]
    dedupe_key: str
    now: datetime
    ref: NotRequired[str | None]
    priority: NotRequired[int]


def enqueue_to(session: AsyncSession, person: Person, **message: Unpack[Message]) -> bool:
    """:func:`enqueue` for a person, unless they deleted their data (no chat to write to).

    Returns:
        True when a message was queued.
    """
    row = row_to(person, **message)
    if row is not None:
        session.add(OutboxMessage(**row))
    return row is not None


def row_to(person: Person, **message: Unpack[Message]) -> dict[str, Any] | None:
    """:func:`enqueue_to` as a row for :func:`enqueue_rows` (None: they deleted their data).

    Raises:
        InvalidPayload: when the payload does not describe one sendable message.
    """
    if person.telegram_id is None:
        return None
    row = _row(
        chat_id=person.telegram_id,
        person_id=person.id,
        kind=message["kind"],
        payload=message["payload"],
        priority=message.get("priority", PRIORITY_INTERACTIVE),
        dedupe_key=message["dedupe_key"],
        not_before=None,
        now=message["now"],
    )
    return row | {"ref": message.get("ref")}


async def enqueue_rows(session: AsyncSession, rows: Collection[dict[str, Any]]) -> None:
    """Add many messages (:func:`row_to`) in the caller's transaction, in one statement.

    The ORM inserts rows one at a time wherever it must learn their new ids and the database
    cannot say which id went to which row (SQLite); these rows' ids are never needed.
    """
    if rows:
        await session.execute(insert(OutboxMessage), list(rows))


async def enqueue_once(
    session: AsyncSession,
    *,
    dedupe_key: str,
    chat_id: int,
    person_id: int | None,
    kind: str,
    payload: Mapping[str, Any],
    priority: int = PRIORITY_INTERACTIVE,
    not_before: datetime | None = None,
    now: datetime | None = None,
) -> bool:
    """Like :func:`enqueue`, but a ``dedupe_key`` used before adds nothing and fails nothing.

    For notices that may be triggered many times but should go out once (per day, per
    event…): the key says what "once" means.

    Returns:
        True when the row was added, False when the key was already taken.
    """
    values = _row(
        chat_id=chat_id,
        person_id=person_id,
        kind=kind,
        payload=payload,
        priority=priority,
        dedupe_key=dedupe_key,
        not_before=not_before,
        now=now,
    )
    # ON CONFLICT DO NOTHING rather than catching IntegrityError: a failed INSERT would abort
    # the caller's whole PostgreSQL transaction, not just this notification.
    upsert = (
        postgresql.insert
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert  # the only other backend (storage.database.normalise_url)
    )
    statement = (
        upsert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
        .returning(OutboxMessage.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


def _error(text: str) -> str:
    return text[:_ERROR_LENGTH]


def _waiting_status() -> ColumnElement[OutboxStatus]:
    """The status a SENDING row waits in again, as an SQL expression for its UPDATE.

    A row that may already have arrived (``sent_at`` is set by the first unknown outcome)
    keeps waiting as UNCERTAIN: it is owed a resend. A new row is PENDING without ``sent_at``,
    an unknown outcome makes it UNCERTAIN with ``sent_at``, and every other way back to waiting
    goes through this expression: so among PENDING and UNCERTAIN rows, ``sent_at IS NOT NULL``
    is exactly "UNCERTAIN" (``claim_due`` relies on it, as RETURNING gives only new values).
    """
    status = _OUTBOX.c.status
    return case(
        (_OUTBOX.c.sent_at.is_(None), literal(OutboxStatus.PENDING, status.type)),
        else_=literal(OutboxStatus.UNCERTAIN, status.type),
    )


def _record(row: OutboxMessage) -> OutboxRecord:
    return OutboxRecord(
        id=row.id,
        chat_id=row.chat_id,
        person_id=row.person_id,
        kind=row.kind,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        telegram_message_id=row.telegram_message_id,
        last_error=row.last_error,
    )


class OutboxService:
    """Claims due messages for the delivery worker and records what happened to each.

    Every public method is one transaction. Only the worker calls ``claim_due`` and the
    ``mark_*`` methods; features call :func:`enqueue` and then :meth:`notify`.
    """

    def __init__(
        self, db: Database, clock: Clock, *, resend_pause: timedelta = RESEND_PAUSE
    ) -> None:
        self._db = db
        self._clock = clock
        self._resend_pause = resend_pause
        self._listeners: list[Callable[[], None]] = []

    # -- waking the worker --------------------------------------------------------------------

    def subscribe(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Call ``wake`` on every :meth:`notify`; returns the function that unsubscribes."""
        self._listeners.append(wake)
        return lambda: self._listeners.remove(wake)

    def notify(self) -> None:
        """Tell the delivery worker that something was enqueued (call it after the commit)."""
        for wake in tuple(self._listeners):
            wake()

    # -- the worker's side --------------------------------------------------------------------

    async def has_due(self) -> bool:
        """Whether any row is due: the worker's cheap, read-only poll on the due index."""
        async with self._db.read() as s:
            found = await s.scalar(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status.in_(_DUE),
                    OutboxMessage.next_attempt_at <= self._clock.now(),
                )
                .limit(1)
            )
        return found is not None

    async def claim_due(
        self, limit: int, *, exclude_chats: Collection[int] = ()
    ) -> list[Delivery]:
        """Take up to ``limit`` due rows, most urgent first, and mark them SENDING.

        One statement: ``UPDATE … WHERE id IN (the due rows) RETURNING …``. On PostgreSQL the
        rows are locked with ``FOR UPDATE SKIP LOCKED``, so concurrent claimers never get the
        same row and never wait for each other; SQLite has one writer, which serialises claims
        anyway (its compiler leaves the locking clause out).

        Args:
            limit: At most this many rows.
            exclude_chats: Chats the caller is still sending to; their rows wait, so that one
                chat never has two sends in flight and keeps its order.

        Returns:
            The claimed rows, ordered by priority, due time and id.
        """
        if limit <= 0:
            return []
        c = _OUTBOX.c
        due = (
            select(c.id)
            .where(c.status.in_(_DUE), c.next_attempt_at <= self._clock.now())
            .order_by(c.priority, c.next_attempt_at, c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if exclude_chats:
            due = due.where(c.chat_id.not_in(list(exclude_chats)))
        claim = (
            update(_OUTBOX)
            # The second test repeats the subquery's: on PostgreSQL a row changed by another
            # transaction since this statement's snapshot is re-checked against it.
            .where(c.id.in_(due), c.status.in_(_DUE))
            .values(status=OutboxStatus.SENDING, attempts=c.attempts + 1)
            .returning(
                c.id,
                c.chat_id,
                c.person_id,
                c.kind,
                c.payload,
                c.attempts,
                c.priority,
                c.next_attempt_at,
                c.sent_at,
            )
        )
        async with self._db.session() as s:
            rows = (await s.execute(claim)).all()
        deliveries = [
            Delivery(
                id=row.id,
                chat_id=row.chat_id,
                person_id=row.person_id,
                kind=row.kind,
                payload=dict(row.payload),
                attempts=row.attempts,  # the new value: this attempt included
                priority=row.priority,
                # RETURNING gives the new status (SENDING). A due row has ``sent_at`` set
                # exactly when it waited as UNCERTAIN (see _waiting_status).
                resend=row.sent_at is not None,
                due_at=row.next_attempt_at,
            )
            for row in rows
        ]
        # RETURNING promises no order.
        deliveries.sort(key=lambda d: (d.priority, d.due_at, d.id))
        return deliveries

    async def _sending(self, s: AsyncSession, outbox_id: int) -> OutboxMessage | None:
        row = await s.get(OutboxMessage, outbox_id)
        if row is None or row.status != OutboxStatus.SENDING:
            # Someone else settled it (a recovery pass); recording twice would lose that.
            log.warning(
                "outbox_not_sending id=%d status=%s",
                outbox_id,
                None if row is None else row.status.value,
            )
            return None
        return row

    async def _not_sending(self, s: AsyncSession, outbox_ids: Collection[int]) -> None:
        """Log the rows a guarded UPDATE left alone because they were not SENDING any more.

        Someone else settled them (a recovery pass); recording twice would lose that. Rare, so
        the extra read for their statuses costs nothing in the common case.
        """
        c = _OUTBOX.c
        rows = await s.execute(select(c.id, c.status).where(c.id.in_(list(outbox_ids))))
        found: dict[int, OutboxStatus] = dict(rows.tuples().all())
        for outbox_id in outbox_ids:
            status = found.get(outbox_id)
            log.warning(
                "outbox_not_sending id=%d status=%s",
                outbox_id,
                None if status is None else status.value,
            )

    async def _settle(self, outbox_id: int, **values: Any) -> None:
        """Write ``values`` to the row if it is still SENDING (else log it): one guarded UPDATE."""
        c = _OUTBOX.c
        async with self._db.session() as s:
            settled = await s.scalar(
                update(_OUTBOX)
                .where(c.id == outbox_id, c.status == OutboxStatus.SENDING)
                .values(**values)
                .returning(c.id)
            )
            if settled is None:
                await self._not_sending(s, [outbox_id])

    async def mark_sent(self, outbox_id: int, telegram_message_id: int) -> None:
        """Telegram confirmed the message: SENT, never to be sent again."""
        await self.mark_sent_many([(outbox_id, telegram_message_id)])

    async def mark_sent_many(self, confirmed: Collection[tuple[int, int]]) -> None:
        """Several confirmations, ``(outbox id, Telegram message id)``, in one transaction.

        One UPDATE for the whole batch (each row's message id picked by a CASE on its id),
        guarded by ``status = SENDING``: a row someone else settled meanwhile (a recovery pass)
        is left alone and logged. RETURNING says which rows were written, on both databases
        (an executemany's row count is not reliable on asyncpg).
        """
        message_ids = dict(confirmed)
        if not message_ids:
            return
        c = _OUTBOX.c
        statement = (
            update(_OUTBOX)
            .where(c.id.in_(list(message_ids)), c.status == OutboxStatus.SENDING)
            .values(
                status=OutboxStatus.SENT,
                sent_at=self._clock.now(),
                telegram_message_id=case(
                    *(
                        (c.id == outbox_id, literal(message_id, c.telegram_message_id.type))
                        for outbox_id, message_id in message_ids.items()
                    )
                ),
            )
            .returning(c.id)
        )
        async with self._db.session() as s:
            written = set((await s.scalars(statement)).all())
            if len(written) < len(message_ids):
                await self._not_sending(s, [i for i in message_ids if i not in written])

    async def mark_retry(self, outbox_id: int, after: timedelta, error: str) -> None:
        """A transient failure (network, 5xx): try again ``after`` from now."""
        await self._settle(
            outbox_id,
            status=_waiting_status(),
            next_attempt_at=self._clock.now() + after,
            last_error=_error(error),
        )

    async def mark_throttled(self, outbox_id: int, after: timedelta) -> None:
        """Flood control (429): wait ``after``; the attempt does not count as a failure."""
        await self._settle(
            outbox_id,
            status=_waiting_status(),
            attempts=_OUTBOX.c.attempts - 1,
            next_attempt_at=self._clock.now() + after,
            last_error=_error(f"RetryAfter: {after.total_seconds():g}s"),
        )

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        """A permanent failure: FAILED, never retried."""
        await self._settle(outbox_id, status=OutboxStatus.FAILED, last_error=_error(error))

    async def mark_uncertain(
        self, outbox_id: int, error: str, *, resend_after: timedelta | None = None
    ) -> OutboxStatus:
        """The send timed out: it may or may not have arrived.

        The row becomes UNCERTAIN and is resent after ``resend_after`` (default: the
        service's resend pause; 4x longer for each earlier unknown outcome); after
        :data:`MAX_RESENDS` resends it is FAILED.

        Returns:
            UNCERTAIN or FAILED (or the row's status when it was not being sent).
        """
        async with self._db.session() as s:
            row = await self._sending(s, outbox_id)
            if row is None:
                current = await s.get(OutboxMessage, outbox_id)
                return OutboxStatus.FAILED if current is None else current.status
            self._settle_unknown(row, error, resend_after or self._resend_pause)
            return row.status

    def _settle_unknown(self, row: OutboxMessage, error: str, resend_after: timedelta) -> None:
        now = self._clock.now()
        row.sent_at = row.sent_at or now
        row.unknown_outcomes = (row.unknown_outcomes or 0) + 1
        if row.unknown_outcomes <= MAX_RESENDS:
            row.status = OutboxStatus.UNCERTAIN
            row.next_attempt_at = now + resend_after * 4 ** (row.unknown_outcomes - 1)
            row.last_error = _error(error)
        else:
            row.status = OutboxStatus.FAILED
            row.last_error = _error(f"outcome unknown after {MAX_RESENDS} resends: {error}")

    async def mark_blocked(self, outbox_id: int, error: str) -> int:
        """The recipient is unreachable (blocked us, deleted account): BLOCKED, never retried.

        In the same transaction the person is marked BLOCKED and the coordinators of their
        programmes (found through memberships) are told, at most once a day per person.

        Returns:
            How many coordinator notices were enqueued.
        """
        async with self._db.session() as s:
            row = await self._sending(s, outbox_id)
            if row is None:
                return 0
            row.status = OutboxStatus.BLOCKED
            row.last_error = _error(error)
            notices = 0
            if row.person_id is not None:
                notices = await self._person_unreachable(s, row.person_id)
                notices += await self._tell_sender(s, row)
        if notices:
            self.notify()
        return notices

    async def _tell_sender(self, s: AsyncSession, row: OutboxMessage) -> int:
        """Tell the person whose message this was that it could not be delivered."""
        sender_id = row.payload.get("sender")
        sender = await s.get(Person, sender_id) if isinstance(sender_id, int) else None
        recipient = await s.get(Person, row.person_id) if row.person_id is not None else None
        if sender is None or sender.telegram_id is None or recipient is None:
            return 0
        lang = sender.language
        name = recipient.display_name or Safe(t(lang, "outbox.someone", id=recipient.id))
        return int(
            await enqueue_once(
                s,
                now=self._clock.now(),
                chat_id=sender.telegram_id,
                person_id=sender.id,
                kind="undeliverable",
                payload={"text": t(lang, "outbox.undeliverable", name=name)},
                priority=PRIORITY_NOTICE,
                dedupe_key=f"undeliverable:{row.id}",
            )
        )

    async def _person_unreachable(self, s: AsyncSession, person_id: int) -> int:
        person = await s.get(Person, person_id)
        if person is None or person.status == PersonStatus.DELETED:
            return 0
        now = self._clock.now()
        if person.status != PersonStatus.BLOCKED:
            person.status = PersonStatus.BLOCKED
            person.updated_at = now
        their_programmes = select(Membership.programme_id).where(Membership.person_id == person_id)
        coordinators = (
            await s.execute(
                select(Person.id, Person.telegram_id, Person.language)
                .join(Membership, Membership.person_id == Person.id)
                .where(
                    Membership.programme_id.in_(their_programmes),
                    Membership.role == Role.COORDINATOR,
                    Person.id != person_id,
                    Person.telegram_id.is_not(None),
                    Person.status.in_((PersonStatus.ACTIVE, PersonStatus.PAUSED)),
                )
                .distinct()
            )
        ).all()
        notices = 0
        for coordinator_id, telegram_id, language in coordinators:
            # The display name is the person's own text (escaped by t); the fallback is ours.
            name = person.display_name or Safe(t(language, "outbox.someone", id=person_id))
            added = await enqueue_once(
                s,
                now=now,
                chat_id=telegram_id,
                person_id=coordinator_id,
                kind="blocked_notice",
                payload={"text": t(language, "outbox.blocked_notice", name=name)},
                priority=PRIORITY_NOTICE,
                # Every undeliverable row of the same person would repeat the news.
                dedupe_key=f"blocked:{person_id}:{coordinator_id}:{now.date().isoformat()}",
            )
            notices += added
        return notices

    async def release(self, outbox_ids: Collection[int]) -> None:
        """Give back claimed rows that were never sent (a clean shutdown): due again at once."""
        if not outbox_ids:
            return
        c = _OUTBOX.c
        async with self._db.session() as s:
            await s.execute(
                update(_OUTBOX)
                .where(c.id.in_(list(outbox_ids)), c.status == OutboxStatus.SENDING)
                .values(status=_waiting_status(), attempts=c.attempts - 1)
            )

    async def recover_after_crash(self, *, resend_after: timedelta | None = None) -> int:
        """Settle rows a killed process left SENDING, exactly as if their send had timed out.

        Call it once at start, before the worker runs, and only from the one process that sends
        for this bot (a live worker's SENDING rows would be mistaken for orphans).

        Returns:
            How many rows were settled (UNCERTAIN, or FAILED for an interrupted resend).
        """
        async with self._db.session() as s:
            rows = (
                await s.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.status == OutboxStatus.SENDING)
                    .with_for_update()
                )
            ).all()
            for row in rows:
                self._settle_unknown(
                    row,
                    "interrupted: the process stopped mid-send",
                    resend_after or self._resend_pause,
                )
            failed = sum(row.status == OutboxStatus.FAILED for row in rows)
        if rows:
            log.warning("outbox_recovered uncertain=%d failed=%d", len(rows) - failed, failed)
        return len(rows)

    # -- reading ------------------------------------------------------------------------------

    async def get(self, outbox_id: int) -> OutboxRecord | None:
        """One row's delivery state, or None."""
        async with self._db.read() as s:
            row = await s.get(OutboxMessage, outbox_id)
            return None if row is None else _record(row)

    async def ref_of(
        self, chat_id: int, telegram_message_id: int, *, settle: float = 3.0
    ) -> str | None:
        """What the message we sent as ``telegram_message_id`` to ``chat_id`` belongs to.

        A send is recorded just after Telegram confirms it, so a reply can arrive while the
        confirmation is still being written: as long as a message with a ref to this chat is
        mid-send, it is waited for (at most ``settle`` seconds) rather than not found.
        """
        deadline = asyncio.get_running_loop().time() + settle
        while True:
            async with self._db.read() as s:
                # Mid-send first: a send that is no longer SENDING here is already recorded.
                sending = await s.scalar(
                    select(OutboxMessage.id)
                    .where(
                        OutboxMessage.chat_id == chat_id,
                        OutboxMessage.status == OutboxStatus.SENDING,
                        OutboxMessage.ref.is_not(None),
                    )
                    .limit(1)
                )
                ref = await s.scalar(
                    select(OutboxMessage.ref).where(
                        OutboxMessage.chat_id == chat_id,
                        OutboxMessage.telegram_message_id == telegram_message_id,
                    )
                )
            if ref is not None or sending is None:
                return ref
            if asyncio.get_running_loop().time() >= deadline:
                return None
            await asyncio.sleep(0.05)

    async def stats(self) -> dict[OutboxStatus, int]:
        """How many rows are in each status (every status present, zero included)."""
        async with self._db.read() as s:
            counts = await s.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
            found: dict[OutboxStatus, int] = {status: count for status, count in counts.tuples()}
        return {status: found.get(status, 0) for status in OutboxStatus}
