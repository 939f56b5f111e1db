"""Broadcast announcements: a coordinator writes once, the outbox delivers to everyone chosen.

Flow:
    1. :meth:`BroadcastService.draft` keeps what the coordinator wrote (text, or a photo,
       voice note or document with a caption) as a DRAFT row: a restart loses nothing.
    2. :meth:`choose_audience` says who gets it — a programme, one role in it, everyone in
       every programme the coordinator runs, or the mentees of a programme without an answered
       pulse check-in in the last 30 days — and counts them for the preview.
    3. :meth:`send_now` (SENDING at once) or :meth:`schedule` (SCHEDULED, started by the
       minute :meth:`sweep`), or :meth:`discard`.
    4. The fan-out (:meth:`fan_out`) writes one outbox row per recipient (``ref "b:<id>"``,
       :data:`~bot.services.outbox.PRIORITY_BULK`, ``dedupe_key "b:<id>:<person>"``) in chunks
       of :data:`CHUNK` people, one short transaction each, in person id order. Where it stopped
       is the largest person id already queued, so a crash mid-fan-out resumes after it, and the
       dedupe key makes a second fan-out (two processes, a retry) add nothing twice.
    5. :meth:`progress` (a job every few seconds) reports the figures — counted over the
       outbox rows of the broadcast — for the live progress message at most every
       :data:`EDIT_EVERY`, and when nothing is left to send marks the broadcast DONE and, in
       the same transaction, queues the final report and the last edit of the progress message.

Who is in an audience is decided when the broadcast starts: memberships that joined before it
started and are not deactivated, people who are neither deleted nor blocked (paused people
get announcements: pausing stops prompts, not news), never the author. :meth:`cancel` stops a
scheduled or running broadcast and withdraws the copies not sent yet (FAILED, "withdrawn").
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import t
from bot.services.goals import InvalidDueDate, parse_date
from bot.services.outbox import PRIORITY_BULK, PRIORITY_NOTICE, enqueue_to, validate_payload
from bot.services.programmes import NotCoordinator, active_person_id, require_coordinator
from bot.services.questions import CAPTION_LIMIT, TEXT_LIMIT, utf16_len
from bot.services.stats import audit
from storage.database import Database
from storage.models import (
    Broadcast,
    BroadcastStatus,
    CheckIn,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonStatus,
    Programme,
    Role,
)

log = logging.getLogger(__name__)

AUDIENCES = ("all", "mentees", "mentors", "quiet_mentees")
MEDIA = frozenset({"photo", "voice", "document"})
CHUNK = 500
"""People per fan-out transaction: short enough never to hold the database for long."""
EDIT_EVERY = timedelta(seconds=5)
"""The live progress message is edited at most this often."""
QUIET_DAYS = 30
SCHEDULE_AHEAD = timedelta(days=90)
WITHDRAWN = "withdrawn: broadcast cancelled"
BAR_WIDTH = 10
_OPEN = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.UNCERTAIN)
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?$")
_TODAY = {"today": 0, "hoy": 0, "tomorrow": 1, "manana": 1, "mañana": 1}


class BroadcastRefused(Exception):
    """The coordinator may not do this with this broadcast (catalog: ``broadcast.refused.*``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidWhen(Exception):
    """A schedule time that cannot be used (catalog: ``broadcast.when.<reason>``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Figures:
    """How far a broadcast got: counted over its outbox rows."""

    queued: int = 0
    sent: int = 0
    undeliverable: int = 0  # blocked, or failed for good
    withdrawn: int = 0  # cancelled before they went out


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast as its coordinators see it (the text is theirs, shown back to them)."""

    id: int
    status: BroadcastStatus
    audience: str
    programme_ids: tuple[int, ...]
    programme_names: tuple[str, ...]
    text: str | None
    media_type: str | None
    created_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    total: int
    figures: Figures
    recipients: int | None = None  # the audience now (drafts' previews)

    @property
    def to_go(self) -> int:
        """Copies not settled yet."""
        done = self.figures.sent + self.figures.undeliverable + self.figures.withdrawn
        return max(self.total - done, 0)


@dataclass(frozen=True)
class ProgressEdit:
    """A live progress message to redraw: where it is and what it says now."""

    broadcast_id: int
    chat_id: int
    message_id: int
    text: str


def progress_text(lang: str, view: BroadcastView) -> str:
    """The progress message: a bar, then sent / to go / could not deliver."""
    f = view.figures
    settled = f.sent + f.undeliverable + f.withdrawn
    share = settled / view.total if view.total else 1.0
    filled = round(share * BAR_WIDTH)
    key = {
        BroadcastStatus.DONE: "broadcast.progress.done",
        BroadcastStatus.CANCELLED: "broadcast.progress.cancelled",
    }.get(view.status, "broadcast.progress.sending")
    return t(
        lang,
        key,
        id=view.id,
        bar="▓" * filled + "░" * (BAR_WIDTH - filled),
        percent=round(share * 100),
        sent=f.sent,
        to_go=view.to_go,
        failed=f.undeliverable,
        withdrawn=f.withdrawn,
        total=view.total,
    )


def payload_of(text: str | None, media: dict[str, Any] | None) -> dict[str, Any]:
    """The outbox payload of one copy: the coordinator's words, escaped, or the media."""
    words = html.escape(text, quote=False) if text else None
    if media is None:
        assert words is not None
        return {"text": words}
    item: dict[str, Any] = {"type": media["type"], "file_id": media["file_id"]}
    if words:
        item["caption"] = words
    return {"media": item}


def parse_when(text: str, zone: str, now: datetime) -> datetime:
    """A date and time typed in the coordinator's timezone, as a UTC instant.

    Accepted: any date :func:`~bot.services.goals.parse_date` reads (or today/tomorrow,
    hoy/mañana) followed by a time ``9:30``, ``09.30``, ``21h``.

    Raises:
        InvalidWhen: ``format``, ``no_such_time`` (a clock change skips it), ``past``,
            ``too_far`` (more than 90 days ahead).
    """
    words = text.strip().split()
    match = _TIME.match(words[-1].lower()) if words else None
    if match is None or len(words) < 2:
        raise InvalidWhen("format")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise InvalidWhen("format")
    tz = ZoneInfo(zone)
    day_words = " ".join(words[:-1]).lower()
    try:
        if day_words in _TODAY:
            day: date = now.astimezone(tz).date() + timedelta(days=_TODAY[day_words])
        else:
            day = parse_date(day_words)
    except InvalidDueDate:
        raise InvalidWhen("format") from None
    local = datetime.combine(day, time(hour, minute), tzinfo=tz)
    instant = local.astimezone(ZoneInfo("UTC"))
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidWhen("no_such_time")
    if instant <= now:
        raise InvalidWhen("past")
    if instant > now + SCHEDULE_AHEAD:
        raise InvalidWhen("too_far")
    return instant


def audience_query(
    programme_ids: Sequence[int],
    audience: str,
    *,
    at: datetime,
    author_id: int | None,
) -> Select[tuple[int, int, str]]:
    """``(person id, chat id, language)`` of everyone ``audience`` reaches at ``at``."""
    members = select(Membership.person_id).where(
        Membership.programme_id.in_(list(programme_ids)),
        Membership.deactivated_at.is_(None),
        Membership.joined_at <= at,
    )
    if audience in ("mentees", "quiet_mentees"):
        members = members.where(Membership.role == Role.MENTEE)
    elif audience == "mentors":
        members = members.where(Membership.role == Role.MENTOR)
    query = select(Person.id, Person.telegram_id, Person.language).where(
        Person.id.in_(members),
        Person.status.in_((PersonStatus.ACTIVE, PersonStatus.PAUSED)),
        Person.telegram_id.is_not(None),
    )
    if audience == "quiet_mentees":
        answered = select(CheckIn.id).where(
            CheckIn.person_id == Person.id,
            CheckIn.kind == "pulse",
            CheckIn.answered_at >= at - timedelta(days=QUIET_DAYS),
        )
        query = query.where(~exists(answered))
    if author_id is not None:
        query = query.where(Person.id != author_id)
    return query  # type: ignore[return-value]


async def _figures(s: AsyncSession, broadcast_ids: Sequence[int]) -> dict[int, Figures]:
    refs = {f"b:{bid}": bid for bid in broadcast_ids}
    if not refs:
        return {}
    withdrawn = OutboxMessage.last_error == WITHDRAWN
    rows = await s.execute(
        select(
            OutboxMessage.ref, OutboxMessage.status, func.count(), func.count().filter(withdrawn)
        )
        .where(OutboxMessage.ref.in_(list(refs)))
        .group_by(OutboxMessage.ref, OutboxMessage.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for ref, status, count, pulled in rows:
        figures = counts.setdefault(refs[ref], {"queued": 0, "sent": 0, "un": 0, "wd": 0})
        figures["queued"] += count
        if status == OutboxStatus.SENT:
            figures["sent"] += count
        elif status in (OutboxStatus.FAILED, OutboxStatus.BLOCKED):
            figures["wd"] += pulled
            figures["un"] += count - pulled
    return {bid: Figures(c["queued"], c["sent"], c["un"], c["wd"]) for bid, c in counts.items()}


class BroadcastService:
    """Announcements to many people through the outbox, one transaction per call.

    Args:
        db: The database.
        clock: The time source.
        chunk: People per fan-out transaction.
    """

    def __init__(self, db: Database, clock: Clock, *, chunk: int = CHUNK) -> None:
        self._db = db
        self._clock = clock
        self._chunk = chunk
        self._fanned_out: set[int] = set()  # fan-outs this process saw complete
        self._shown: dict[int, str] = {}  # the last progress text drawn per broadcast

    # -- composing ----------------------------------------------------------------------------

    async def draft(
        self, telegram_id: int, text: str | None, media: tuple[str, str] | None = None
    ) -> BroadcastView:
        """Keep a new announcement: ``text``, or ``media`` ``(type, file_id)`` with a caption.

        Raises:
            NotCoordinator: for anyone who coordinates no programme.
            BroadcastRefused: ``empty``, ``too_long``, ``media``.
        """
        text = text.strip() if text else None
        if media is None and not text:
            raise BroadcastRefused("empty")
        if media is not None and media[0] not in MEDIA:
            raise BroadcastRefused("media")
        limit = TEXT_LIMIT if media is None else CAPTION_LIMIT
        if text and utf16_len(text) > limit:
            raise BroadcastRefused("too_long")
        async with self._db.session() as s:
            author = await active_person_id(s, telegram_id)
            if not await self._coordinated(s, author):
                raise NotCoordinator(telegram_id)
            row = Broadcast(
                created_by=author,
                programme_ids=[],
                audience="all",
                text=text,
                media=None if media is None else {"type": media[0], "file_id": media[1]},
                status=BroadcastStatus.DRAFT,
                total=0,
                created_at=self._clock.now(),
            )
            s.add(row)
            await s.flush()
            return await self._view(s, row)

    async def choose_audience(
        self, telegram_id: int, broadcast_id: int, programme_id: int | None, audience: str
    ) -> BroadcastView:
        """Who a draft goes to: one programme (or, with None, every one the author runs).

        Returns:
            The draft with ``recipients`` counted now, for the preview.
        """
        if audience not in AUDIENCES:
            raise BroadcastRefused("stale")
        async with self._db.session() as s:
            row, author = await self._own_draft(s, telegram_id, broadcast_id)
            if programme_id is None:
                programme_ids = await self._coordinated(s, author)
            else:
                await require_coordinator(s, telegram_id, programme_id)
                programme_ids = [programme_id]
            row.programme_ids = sorted(programme_ids)
            row.audience = audience
            await s.flush()
            count = await self._count(s, row, at=self._clock.now())
            view = await self._view(s, row)
            return _with_recipients(view, count)

    async def send_now(
        self, telegram_id: int, broadcast_id: int, *, chat_id: int, message_id: int
    ) -> BroadcastView:
        """Start a draft now; ``chat_id``/``message_id`` is the live progress message.

        The copies are written by :meth:`fan_out`: call it next (it runs in chunks).
        """
        async with self._db.session() as s:
            row, author = await self._ready_draft(s, telegram_id, broadcast_id)
            now = self._clock.now()
            row.status = BroadcastStatus.SENDING
            row.started_at = now
            row.total = await self._count(s, row, at=now)
            row.progress_chat_id, row.progress_message_id = chat_id, message_id
            self._audit(s, row, author, "broadcast_send")
            return await self._view(s, row)

    async def schedule(
        self,
        telegram_id: int,
        broadcast_id: int,
        when: str,
        *,
        chat_id: int,
        message_id: int,
        default_timezone: str = "UTC",
    ) -> BroadcastView:
        """Start a draft at a date and time typed in the author's timezone.

        Raises:
            InvalidWhen: when the time cannot be used (see :func:`parse_when`).
        """
        async with self._db.session() as s:
            row, author = await self._ready_draft(s, telegram_id, broadcast_id)
            person = await s.get(Person, author)
            assert person is not None
            zone = person.timezone or default_timezone
            row.scheduled_at = parse_when(when, zone, self._clock.now())
            row.status = BroadcastStatus.SCHEDULED
            row.progress_chat_id, row.progress_message_id = chat_id, message_id
            self._audit(s, row, author, "broadcast_schedule")
            return await self._view(s, row)

    async def get_draft(self, telegram_id: int, broadcast_id: int) -> BroadcastView:
        """A draft ready to send or schedule, for its author (who still runs its programmes)."""
        async with self._db.read() as s:
            row, _author = await self._ready_draft(s, telegram_id, broadcast_id, lock=False)
            return await self._view(s, row)

    async def discard(self, telegram_id: int, broadcast_id: int) -> None:
        """Drop a draft (nothing was sent)."""
        async with self._db.session() as s:
            row, _author = await self._own_draft(s, telegram_id, broadcast_id)
            row.status = BroadcastStatus.CANCELLED
            row.finished_at = self._clock.now()

    async def timezone_of(self, telegram_id: int, default: str) -> str:
        """The zone a coordinator's schedule times are read in."""
        async with self._db.read() as s:
            zone = await s.scalar(select(Person.timezone).where(Person.telegram_id == telegram_id))
        return zone or default

    # -- looking and cancelling ---------------------------------------------------------------

    async def listing(self, telegram_id: int, *, limit: int = 10) -> list[BroadcastView]:
        """The latest broadcasts (not drafts) of programmes this coordinator runs, newest first."""
        async with self._db.read() as s:
            person_id = await active_person_id(s, telegram_id)
            mine = set(await self._coordinated(s, person_id))
            if not mine:
                raise NotCoordinator(telegram_id)
            rows = (
                await s.scalars(
                    select(Broadcast)
                    .where(Broadcast.status != BroadcastStatus.DRAFT)
                    .order_by(Broadcast.id.desc())
                    .limit(limit * 10)
                )
            ).all()
            visible = [r for r in rows if r.programme_ids and set(r.programme_ids) <= mine]
            visible = visible[:limit]
            figures = await _figures(s, [r.id for r in visible])
            return [await self._view(s, r, figures.get(r.id)) for r in visible]

    async def get(self, telegram_id: int, broadcast_id: int) -> BroadcastView:
        """One broadcast, for a coordinator of every programme it goes to."""
        async with self._db.read() as s:
            row = await self._coordinated_broadcast(s, telegram_id, broadcast_id)
            return await self._view(s, row, (await _figures(s, [row.id])).get(row.id))

    async def cancel(self, telegram_id: int, broadcast_id: int) -> BroadcastView:
        """Stop a scheduled or running broadcast; copies not sent yet are withdrawn.

        Copies already handed to Telegram (at most the worker's batch) still arrive.

        Raises:
            BroadcastRefused: ``finished`` when it is done or cancelled already.
        """
        async with self._db.session() as s:
            row = await self._coordinated_broadcast(s, telegram_id, broadcast_id, lock=True)
            if row.status not in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
                raise BroadcastRefused("finished")
            actor = await active_person_id(s, telegram_id)
            now = self._clock.now()
            await s.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.ref == f"b:{row.id}",
                    OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.UNCERTAIN)),
                )
                .values(status=OutboxStatus.FAILED, last_error=WITHDRAWN)
            )
            row.status = BroadcastStatus.CANCELLED
            row.finished_at = now
            self._audit(s, row, actor, "broadcast_cancel")
            view = await self._view(s, row, (await _figures(s, [row.id])).get(row.id))
            await self._final_edit(s, row, view)
            return view

    # -- delivering ---------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Start the scheduled broadcasts that are due and finish any interrupted fan-out."""
        now = self._clock.now()
        async with self._db.session() as s:
            due = (
                await s.scalars(
                    select(Broadcast)
                    .where(
                        Broadcast.status == BroadcastStatus.SCHEDULED,
                        Broadcast.scheduled_at <= now,
                    )
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in due:
                row.status = BroadcastStatus.SENDING
                row.started_at = now
                row.total = await self._count(s, row, at=now)
                log.info("broadcast_started id=%d total=%d", row.id, row.total)
        handled = len(due)
        for broadcast_id in await self._sending_ids():
            handled += await self.fan_out(broadcast_id)
        return handled

    async def fan_out(self, broadcast_id: int) -> int:
        """Queue one copy per recipient not queued yet, a chunk per transaction.

        Safe to run again at any time, from any process: it resumes after the largest person
        id already queued, and the dedupe key turns any overlap into nothing.

        Returns:
            How many copies were added.
        """
        if broadcast_id in self._fanned_out:
            return 0
        added = 0
        while True:
            chunk_added, finished = await self._fan_out_chunk(broadcast_id)
            added += chunk_added
            if finished:
                self._fanned_out.add(broadcast_id)
                if added:
                    log.info("broadcast_queued id=%d added=%d", broadcast_id, added)
                return added

    async def _fan_out_chunk(self, broadcast_id: int) -> tuple[int, bool]:
        async with self._db.session() as s:
            row = await s.get(Broadcast, broadcast_id, with_for_update=True)
            if row is None or row.status != BroadcastStatus.SENDING or row.started_at is None:
                return 0, True
            ref = f"b:{row.id}"
            cursor = await s.scalar(
                select(func.max(OutboxMessage.person_id)).where(OutboxMessage.ref == ref)
            )
            query = audience_query(
                row.programme_ids, row.audience, at=row.started_at, author_id=row.created_by
            )
            if cursor is not None:
                query = query.where(Person.id > cursor)
            people = (await s.execute(query.order_by(Person.id).limit(self._chunk))).all()
            if people:
                await self._insert_copies(s, row, people)
            if len(people) < self._chunk:
                # Everyone is queued: the exact count replaces the estimate taken at the start.
                row.total = int(
                    await s.scalar(
                        select(func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.ref == ref)
                    )
                    or 0
                )
                return len(people), True
            return len(people), False

    async def _insert_copies(self, s: AsyncSession, row: Broadcast, people: Sequence[Any]) -> None:
        payload = payload_of(row.text, row.media)
        validate_payload(payload)
        now = self._clock.now()
        values = [
            {
                "person_id": person_id,
                "chat_id": chat_id,
                "kind": "broadcast",
                "payload": payload,
                "priority": PRIORITY_BULK,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "dedupe_key": f"b:{row.id}:{person_id}",
                "ref": f"b:{row.id}",
                "unknown_outcomes": 0,
            }
            for person_id, chat_id, _language in people
        ]
        insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = insert(OutboxMessage).on_conflict_do_nothing(
            index_elements=[OutboxMessage.dedupe_key]
        )
        await s.execute(statement, values)

    async def progress(self) -> list[ProgressEdit]:
        """Figures for every running broadcast; finishes those with nothing left to send.

        Returns:
            The progress messages to redraw now (at most every :data:`EDIT_EVERY` each, and
            only when the figures changed).
        """
        edits: list[ProgressEdit] = []
        for broadcast_id in await self._sending_ids():
            await self.fan_out(broadcast_id)
            edit = await self._advance(broadcast_id)
            if edit is not None:
                edits.append(edit)
        return edits

    async def _advance(self, broadcast_id: int) -> ProgressEdit | None:
        now = self._clock.now()
        async with self._db.session() as s:
            row = await s.get(Broadcast, broadcast_id, with_for_update=True)
            if row is None or row.status != BroadcastStatus.SENDING:
                return None
            open_rows = await s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.ref == f"b:{row.id}", OutboxMessage.status.in_(_OPEN))
            )
            figures = (await _figures(s, [row.id])).get(row.id)
            if broadcast_id in self._fanned_out and not open_rows:
                row.status = BroadcastStatus.DONE
                row.finished_at = now
                view = await self._view(s, row, figures)
                await self._final_edit(s, row, view)
                await self._report(s, row, view)
                self._shown.pop(row.id, None)
                log.info(
                    "broadcast_done id=%d sent=%d undeliverable=%d",
                    row.id,
                    view.figures.sent,
                    view.figures.undeliverable,
                )
                return None
            if row.progress_chat_id is None or row.progress_message_id is None:
                return None
            if row.progress_at is not None and now - row.progress_at < EDIT_EVERY:
                return None
            view = await self._view(s, row, figures)
            text = progress_text(await self._author_language(s, row), view)
            if self._shown.get(row.id) == text:
                return None
            self._shown[row.id] = text
            row.progress_at = now
            return ProgressEdit(row.id, row.progress_chat_id, row.progress_message_id, text)

    async def _final_edit(self, s: AsyncSession, row: Broadcast, view: BroadcastView) -> None:
        """The progress message's last state, through the outbox with the status change."""
        author = await s.get(Person, row.created_by) if row.created_by is not None else None
        if author is None or row.progress_message_id is None or row.progress_chat_id is None:
            return
        if author.telegram_id != row.progress_chat_id:
            return
        enqueue_to(
            s,
            author,
            kind="broadcast_progress",
            payload={
                "text": progress_text(author.language, view),
                "edit": {"message_id": row.progress_message_id},
            },
            dedupe_key=f"bp:{row.id}:{view.status.value}",
            now=self._clock.now(),
            priority=PRIORITY_NOTICE,
        )

    async def _report(self, s: AsyncSession, row: Broadcast, view: BroadcastView) -> None:
        author = await s.get(Person, row.created_by) if row.created_by is not None else None
        if author is None:
            return
        took = (row.finished_at or row.created_at) - (row.started_at or row.created_at)
        f = view.figures
        enqueue_to(
            s,
            author,
            kind="broadcast_report",
            payload={
                "text": t(
                    author.language,
                    "broadcast.report",
                    id=row.id,
                    sent=f.sent,
                    failed=f.undeliverable,
                    total=view.total,
                    minutes=max(1, round(took.total_seconds() / 60)),
                )
            },
            dedupe_key=f"bdone:{row.id}",
            now=self._clock.now(),
            priority=PRIORITY_NOTICE,
        )

    # -- helpers ------------------------------------------------------------------------------

    async def _sending_ids(self) -> list[int]:
        async with self._db.read() as s:
            return list(
                await s.scalars(
                    select(Broadcast.id)
                    .where(Broadcast.status == BroadcastStatus.SENDING)
                    .order_by(Broadcast.id)
                )
            )

    async def _coordinated(self, s: AsyncSession, person_id: int) -> list[int]:
        return list(
            await s.scalars(
                select(Membership.programme_id).where(
                    Membership.person_id == person_id,
                    Membership.role == Role.COORDINATOR,
                    Membership.deactivated_at.is_(None),
                )
            )
        )

    async def _own_draft(
        self, s: AsyncSession, telegram_id: int, broadcast_id: int, *, lock: bool = True
    ) -> tuple[Broadcast, int]:
        author = await active_person_id(s, telegram_id)
        row = await s.get(Broadcast, broadcast_id, with_for_update=lock)
        if row is None or row.created_by != author:
            raise NotCoordinator(telegram_id)
        if row.status != BroadcastStatus.DRAFT:
            raise BroadcastRefused("stale")
        return row, author

    async def _ready_draft(
        self, s: AsyncSession, telegram_id: int, broadcast_id: int, *, lock: bool = True
    ) -> tuple[Broadcast, int]:
        row, author = await self._own_draft(s, telegram_id, broadcast_id, lock=lock)
        if not row.programme_ids:
            raise BroadcastRefused("stale")
        for programme_id in row.programme_ids:  # still theirs to send to
            await require_coordinator(s, telegram_id, programme_id)
        return row, author

    async def _coordinated_broadcast(
        self, s: AsyncSession, telegram_id: int, broadcast_id: int, *, lock: bool = False
    ) -> Broadcast:
        row = await s.get(Broadcast, broadcast_id, with_for_update=lock)
        if row is None or row.status == BroadcastStatus.DRAFT or not row.programme_ids:
            raise NotCoordinator(telegram_id)
        for programme_id in row.programme_ids:
            await require_coordinator(s, telegram_id, programme_id)
        return row

    async def _count(self, s: AsyncSession, row: Broadcast, *, at: datetime) -> int:
        query = audience_query(row.programme_ids, row.audience, at=at, author_id=row.created_by)
        return int(await s.scalar(select(func.count()).select_from(query.subquery())) or 0)

    async def _author_language(self, s: AsyncSession, row: Broadcast) -> str:
        if row.created_by is None:
            return "en"
        return await s.scalar(select(Person.language).where(Person.id == row.created_by)) or "en"

    def _audit(self, s: AsyncSession, row: Broadcast, actor: int, action: str) -> None:
        for programme_id in row.programme_ids:
            audit(
                s, programme_id, actor, action, None, {"broadcast": row.id}, now=self._clock.now()
            )

    async def _view(
        self, s: AsyncSession, row: Broadcast, figures: Figures | None = None
    ) -> BroadcastView:
        names = (
            tuple(
                await s.scalars(
                    select(Programme.name)
                    .where(Programme.id.in_(row.programme_ids))
                    .order_by(Programme.id)
                )
            )
            if row.programme_ids
            else ()
        )
        return BroadcastView(
            id=row.id,
            status=row.status,
            audience=row.audience,
            programme_ids=tuple(row.programme_ids),
            programme_names=names,
            text=row.text,
            media_type=(row.media or {}).get("type"),
            created_at=row.created_at,
            scheduled_at=row.scheduled_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            total=row.total,
            figures=figures or Figures(),
        )


def _with_recipients(view: BroadcastView, count: int) -> BroadcastView:
    return replace(view, recipients=count)
