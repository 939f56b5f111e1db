"""Gratitude notes: a thank-you from one side of an active pair to the other.

Flow: ``recipients`` lists whom a person may thank now (their mentor in each programme, or
their mentees) → the person picks one (``recipient`` checks the pick again: a forged or stale
pairing id is refused) and writes the note → ``send`` validates the text, stores it and, in
the same transaction, puts a small card for the recipient in the outbox. ``received`` is the
recipient's own list, newest first. ``counts`` is for coordinators' statistics: numbers only,
never a note's words.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.i18n import t
from bot.services.outbox import enqueue_to
from bot.services.profile import InvalidInput
from bot.services.programmes import NotCoordinator, active_person_id
from storage.database import Database
from storage.models import GratitudeNote, Pairing, PairingStatus, Person, Programme

log = logging.getLogger(__name__)

NOTE_MAX = 1000
LISTED = 10  # notes shown by ``received``; older ones are counted, not listed
STATS_DAYS = 30

# Invisible direction overrides could make a note read differently from what was typed.
_BIDI = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


class GratitudeRefused(Exception):
    """The pair is not the person's, or no longer active (the two are not told apart)."""


@dataclass(frozen=True)
class Recipient:
    """Someone the person may thank now: the other side of one of their active pairs."""

    pairing_id: int
    name: str
    programme_name: str


@dataclass(frozen=True)
class SentNote:
    """A note just stored and queued for its recipient."""

    id: int
    recipient_name: str


@dataclass(frozen=True)
class ReceivedNote:
    """A note as its recipient reads it again; ``day`` is in the recipient's timezone."""

    sender_name: str
    programme_name: str
    text: str
    day: date


@dataclass(frozen=True)
class Received:
    """The newest notes a person received, and how many there are in all."""

    total: int
    notes: tuple[ReceivedNote, ...]


@dataclass(frozen=True)
class GratitudeCounts:
    """How much gratitude flows in a programme: numbers only, never who wrote what."""

    programme_id: int
    total: int
    recent: int
    recent_senders: int
    days: int


def clean_note(text: str | None) -> str:
    """A note's text: trimmed, line breaks kept (at most one blank line), 1..1000 characters.

    Raises:
        InvalidInput: ``empty`` (nothing but whitespace) or ``too_long``.
    """
    lines = []
    for line in (text or "").translate(_BIDI).splitlines():
        kept = "".join(
            " " if ch.isspace() else ch for ch in line if unicodedata.category(ch) != "Cc"
        )
        lines.append(" ".join(kept.split()))
    value = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not value:
        raise InvalidInput("empty")
    if len(value) > NOTE_MAX:
        raise InvalidInput("too_long", {"maximum": NOTE_MAX, "length": len(value)})
    return value


def _local_day(moment: datetime, timezone: str | None) -> date:
    try:
        return moment.astimezone(ZoneInfo(timezone or "UTC")).date()
    except (ZoneInfoNotFoundError, ValueError):
        return moment.date()


_RECIPIENT, _SENDER = aliased(Person, name="recipient"), aliased(Person, name="sender")
_TO_THEM = _RECIPIENT.telegram_id == bindparam("telegram_id")
# ``received``, built once and run with parameters (building costs more CPU than running):
# (total, recipient's timezone, sender's name, programme, text, when), newest first.
_RECEIVED = (
    select(
        func.count().over(),
        _RECIPIENT.timezone,
        _SENDER.display_name,
        Programme.name,
        GratitudeNote.text,
        GratitudeNote.created_at,
    )
    .select_from(GratitudeNote)
    .join(_RECIPIENT, _RECIPIENT.id == GratitudeNote.recipient_id)
    .join(_SENDER, _SENDER.id == GratitudeNote.sender_id)
    .join(Programme, Programme.id == GratitudeNote.programme_id)
    .where(_TO_THEM)
    .order_by(GratitudeNote.created_at.desc(), GratitudeNote.id.desc())
    .limit(bindparam("limit"))
)
_RECEIVED_COUNT = (
    select(func.count())
    .select_from(GratitudeNote)
    .join(_RECIPIENT, _RECIPIENT.id == GratitudeNote.recipient_id)
    .where(_TO_THEM)
)


class GratitudeService:
    """Thank-you notes between the two sides of a pair, one transaction per call."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def recipients(self, telegram_id: int) -> tuple[Recipient, ...]:
        """Whom this person may thank now: their mentors, then their mentees, oldest first."""
        async with self._db.read() as s:
            try:
                person_id = await active_person_id(s, telegram_id)
            except NotCoordinator:
                return ()
            return tuple(
                Recipient(pairing.id, other.display_name or "—", programme.name)
                for pairing, other, programme in await self._pairs(s, person_id)
            )

    async def recipient(self, telegram_id: int, pairing_id: int) -> Recipient:
        """One pick from ``recipients``, checked again.

        Raises:
            GratitudeRefused: the pair is not this person's, or it has ended.
        """
        for found in await self.recipients(telegram_id):
            if found.pairing_id == pairing_id:
                return found
        raise GratitudeRefused(pairing_id)

    async def send(self, telegram_id: int, pairing_id: int, text: str | None) -> SentNote:
        """Store a note to the other side of the pair and queue its card for them.

        Raises:
            InvalidInput: the text is empty or too long (nothing is stored).
            GratitudeRefused: the pair is not this person's, or it has ended.
        """
        note_text = clean_note(text)
        now = self._clock.now()
        async with self._db.session() as s:
            try:
                person_id = await active_person_id(s, telegram_id)
            except NotCoordinator:
                raise GratitudeRefused(pairing_id) from None
            found = [row for row in await self._pairs(s, person_id) if row[0].id == pairing_id]
            if not found:
                raise GratitudeRefused(pairing_id)
            pairing, recipient, _ = found[0]
            sender = await s.get(Person, person_id)
            assert sender is not None
            note = GratitudeNote(
                programme_id=pairing.programme_id,
                sender_id=person_id,
                recipient_id=recipient.id,
                text=note_text,
                created_at=now,
            )
            s.add(note)
            await s.flush()
            lang = recipient.language
            card = t(lang, "gratitude.card", name=sender.display_name or "—", text=note_text)
            enqueue_to(
                s,
                recipient,
                kind="gratitude_note",
                payload={"text": card, "sender": sender.id},
                dedupe_key=f"gratitude:{note.id}",
                now=now,
            )
            sent = SentNote(note.id, recipient.display_name or "—")
            ids = (note.id, pairing.id, person_id, recipient.id)
        # Logged once committed; ids only, never the words.
        log.info("gratitude_sent note=%d pairing=%d sender=%d recipient=%d", *ids)
        return sent

    async def received(self, telegram_id: int, *, limit: int = LISTED) -> Received:
        """The newest ``limit`` notes this person received, and how many in all.

        One statement: the recipient is matched by Telegram id in the join, and the total
        comes from a window count over the same rows (counted before ``LIMIT``).
        """
        async with self._db.read() as s:
            if limit < 1:  # nothing to list: only the count
                total = await s.scalar(_RECEIVED_COUNT, {"telegram_id": telegram_id})
                return Received(int(total or 0), ())
            rows = (await s.execute(_RECEIVED, {"telegram_id": telegram_id, "limit": limit})).all()
        notes = tuple(
            ReceivedNote(
                sender_name=sender or "—",
                programme_name=programme,
                text=text,
                day=_local_day(created_at, timezone),
            )
            for _, timezone, sender, programme, text, created_at in rows
        )
        return Received(int(rows[0][0]) if rows else 0, notes)

    async def counts(self, programme_id: int, *, days: int = STATS_DAYS) -> GratitudeCounts:
        """How many notes a programme's people wrote, in all and in the last ``days`` days.

        For coordinators' statistics: only numbers leave this method, never text or names.
        Callers check that the asker coordinates the programme.
        """
        since = self._clock.now() - timedelta(days=days)
        recent = GratitudeNote.created_at >= since
        async with self._db.read() as s:
            row = (
                await s.execute(
                    select(
                        func.count(),
                        func.count().filter(recent),
                        func.count(GratitudeNote.sender_id.distinct()).filter(recent),
                    ).where(GratitudeNote.programme_id == programme_id)
                )
            ).one()
        total, recent_count, senders = (int(n or 0) for n in row)
        return GratitudeCounts(programme_id, total, recent_count, senders, days)

    async def _pairs(
        self, s: AsyncSession, person_id: int
    ) -> list[tuple[Pairing, Person, Programme]]:
        """The person's active pairs with the other side: mentors first, then mentees."""
        other = aliased(Person)
        rows = await s.execute(
            select(Pairing, other, Programme)
            .join(
                other,
                or_(
                    (Pairing.mentee_id == person_id) & (other.id == Pairing.mentor_id),
                    (Pairing.mentor_id == person_id) & (other.id == Pairing.mentee_id),
                ),
            )
            .join(Programme, Programme.id == Pairing.programme_id)
            .where(Pairing.status == PairingStatus.ACTIVE)
            .order_by((Pairing.mentor_id == person_id), Pairing.started_at, Pairing.id)
        )
        return [(pairing, person, programme) for pairing, person, programme in rows.tuples()]
