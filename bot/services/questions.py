"""Questions and answers between a mentee and their mentor, relayed by the bot.

Flow:
    ``ask`` stores a question with its first message and, in the same transaction, queues it
    for the mentor with *Reply* / *Answer later*. ``reply`` adds a message to the thread from
    either side and queues it for the other side: the mentor's reply marks the question
    answered (the first answer time is kept for the median answer time), a mentee's follow-up
    opens it again. ``ask_pool`` sends a question without the mentee's name to every available
    mentor of the programme in the mentee's field; the first ``take`` owns it, the offers still
    queued are withdrawn and the ones already delivered are edited to say it was taken.

Answer expectation (``sweep``, every minute, on the indexed ``next_check_at``): when the
programme's answer time has passed since the mentee's oldest unanswered message, the mentor is
reminded once; at twice that, the programme's coordinators are told and the mentee hears that
someone is looking into it. An answer clears the clock; a follow-up starts it again.

Privacy: nothing is forwarded. Text is sent as the bot's own message and media by their file
ids, so neither side ever sees the other's username or phone number. Logs carry ids only.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.i18n import t
from bot.services.conversations import InTransaction
from bot.services.outbox import PRIORITY_NOTICE, enqueue_to
from bot.services.programmes import (
    NotCoordinator,
    ProgrammeSettings,
    active_person_id,
    tell_coordinators,
)
from storage.database import Database
from storage.models import (
    Membership,
    OutboxMessage,
    OutboxStatus,
    Pairing,
    PairingStatus,
    Person,
    PersonStatus,
    Profile,
    Programme,
    Question,
    QuestionMessage,
    QuestionStatus,
    Role,
)

Kind = Literal["text", "voice", "photo", "document"]
MEDIA_KINDS: frozenset[str] = frozenset({"photo", "document"})  # may show a patient
TEXT_LIMIT = 4096  # Telegram's limit for a message, in UTF-16 code units
CAPTION_LIMIT = 1024  # ... and for a caption
# Room left for our header line ("Question from …") in front of the person's words.
_CHUNK = 3800
_MENTEE, _MENTOR = 1, 2  # Question.media_warned bits


class QuestionRefused(Exception):
    """The person may not do this with this question (or it does not exist for them).

    ``reason`` is a catalog suffix: ``qa.refused.<reason>``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Content:
    """What someone wrote: text, or a voice note, photo or document with an optional caption."""

    kind: Kind
    text: str | None = None
    file_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind == "text" and not (self.text or "").strip():
            raise ValueError("a text message needs text")
        if self.kind != "text" and not self.file_id:
            raise ValueError("a voice note, photo or document needs a file id")

    def as_json(self) -> dict[str, Any]:
        """A JSON-safe form (kept in a conversation draft while the person confirms)."""
        return {"kind": self.kind, "text": self.text, "file_id": self.file_id}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Content:
        """The inverse of ``as_json``."""
        return cls(data["kind"], data.get("text"), data.get("file_id"))


@dataclass(frozen=True)
class AskTarget:
    """A mentor this mentee can ask."""

    pairing_id: int
    programme_id: int
    mentor_name: str


@dataclass(frozen=True)
class Asking:
    """Whom a person can ask: their mentors, and programmes whose mentor pool they can ask."""

    targets: tuple[AskTarget, ...]
    pool_programmes: tuple[tuple[int, str], ...]
    choice_mode: bool  # some programme lets them pick a mentor (/findmentor)


@dataclass(frozen=True)
class QuestionView:
    """A question as one of its two people sees it."""

    id: int
    status: QuestionStatus
    side: Literal["mentee", "mentor"]
    other_name: str
    pool: bool
    created_at: datetime
    answered_at: datetime | None
    preview: str
    answer_hours: int


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def visible_len(html_text: str) -> int:
    """Telegram's length of an HTML message once its tags and entities are parsed."""
    return utf16_len(html.unescape(re.sub(r"<[^>]+>", "", html_text)))


def split_text(text: str, limit: int = _CHUNK) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-16 units, cut at a line break or space when
    one is near the end of a piece; joined back they give ``text`` exactly."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _fit(rest, limit)
        window = rest[:cut]
        for separator in ("\n", " "):
            at = window.rfind(separator)
            if at >= cut // 2:
                cut = at + 1
                break
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def _fit(text: str, limit: int) -> int:
    """The most characters of ``text`` whose UTF-16 length is at most ``limit``."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


# The statements of the busiest paths, built once (building a joined select costs more CPU
# than running it) and run with parameters.
_ME = (
    select(Person.id)
    .where(Person.telegram_id == bindparam("telegram_id"), Person.status != PersonStatus.DELETED)
    .scalar_subquery()
)
_ASK_TARGETS = (  # the mentors this person can ask: (pairing id, programme id, name)
    select(Pairing.id, Pairing.programme_id, Person.display_name)
    .join(Person, Person.id == Pairing.mentor_id)
    .where(Pairing.mentee_id == _ME, Pairing.status == PairingStatus.ACTIVE)
    .order_by(Pairing.id)
)
_MENTEE_PROGRAMMES = (
    select(Programme)
    .join(Membership, Membership.programme_id == Programme.id)
    .where(Membership.person_id == _ME, Membership.role == Role.MENTEE)
    .order_by(Programme.id)
)
_MENTEE_ROW, _MENTOR_ROW = aliased(Person, name="mentee"), aliased(Person, name="mentor")
_ASKED_PAIR = (  # the mentee's active pair, its programme's settings and both people
    select(Pairing, Programme.settings, _MENTEE_ROW, _MENTOR_ROW)
    .join(Programme, Programme.id == Pairing.programme_id)
    .join(_MENTEE_ROW, _MENTEE_ROW.id == Pairing.mentee_id)
    .join(_MENTOR_ROW, _MENTOR_ROW.id == Pairing.mentor_id)
    .where(
        Pairing.id == bindparam("pairing_id"),
        Pairing.status == PairingStatus.ACTIVE,
        _MENTEE_ROW.telegram_id == bindparam("telegram_id"),
        _MENTEE_ROW.status != PersonStatus.DELETED,
    )
)
_OPENING = (
    select(func.min(QuestionMessage.id))
    .where(QuestionMessage.question_id == Question.id)
    .correlate(Question)
    .scalar_subquery()
)
_OF_PERSON = (  # newest first: question, my id, both names, settings, opening message
    select(
        Question,
        _ME,
        _MENTEE_ROW.display_name,
        _MENTOR_ROW.display_name,
        Programme.settings,
        QuestionMessage,
    )
    .join(_MENTEE_ROW, _MENTEE_ROW.id == Question.mentee_id)
    .outerjoin(_MENTOR_ROW, _MENTOR_ROW.id == Question.mentor_id)
    .join(Programme, Programme.id == Question.programme_id)
    .outerjoin(QuestionMessage, QuestionMessage.id == _OPENING)
    .where(or_(Question.mentee_id == _ME, Question.mentor_id == _ME))
    .order_by(Question.created_at.desc(), Question.id.desc())
    .limit(bindparam("limit"))
)


class QuestionService:
    """The question exchange, one transaction per call."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def asking(self, telegram_id: int) -> Asking:
        """The mentors this person can ask now, and the pools open to them (none for
        someone who is not registered)."""
        me = {"telegram_id": telegram_id}
        async with self._db.read() as s:
            rows = await s.execute(_ASK_TARGETS, me)
            targets = tuple(AskTarget(p, g, name or "—") for p, g, name in rows)
            programmes = (await s.scalars(_MENTEE_PROGRAMMES, me)).all()
            modes = [ProgrammeSettings.from_json(p.settings).pairing_mode for p in programmes]
            return Asking(
                targets,
                tuple((p.id, p.name) for p in programmes),
                "choice" in modes,
            )

    async def ask(
        self,
        telegram_id: int,
        pairing_id: int,
        content: Content,
        *,
        warned: bool = False,
        also: InTransaction | None = None,
    ) -> QuestionView:
        """A new question to the mentor of this (active) pair.

        ``also`` runs in the same transaction (the compose step that collected the question
        ends exactly when the question is stored).

        Raises:
            QuestionRefused: ``not_yours`` when the pair is not this mentee's active pair.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            wanted = {"telegram_id": telegram_id, "pairing_id": pairing_id}
            found = (await s.execute(_ASKED_PAIR, wanted)).first()
            if found is None:
                raise QuestionRefused("not_yours")
            pairing, settings, mentee, mentor = found
            hours = ProgrammeSettings.from_json(settings or {}).answer_hours
            question = Question(
                programme_id=pairing.programme_id,
                pairing_id=pairing.id,
                mentee_id=mentee.id,
                mentor_id=pairing.mentor_id,
                pool=False,
                status=QuestionStatus.OPEN,
                created_at=now,
                waiting_since=now,
                stage=0,
                next_check_at=now + timedelta(hours=hours),
                media_warned=_MENTEE if warned else 0,
            )
            s.add(question)
            await s.flush()
            message = await _add_message(s, question, mentee, content, now)
            lang = mentor.language
            self._relay(
                s,
                question,
                message,
                mentor,
                content,
                header=t(lang, "qa.new_question", name=mentee.display_name or "—"),
                buttons=mentor_buttons(lang, question.id),
                sender=mentee,
                now=now,
            )
            if also is not None:
                await also(s)
            return _view(question, mentee, mentor, "mentee", content, hours)

    async def ask_pool(
        self,
        telegram_id: int,
        programme_id: int,
        content: Content,
        *,
        warned: bool = False,
        also: InTransaction | None = None,
    ) -> tuple[QuestionView, int]:
        """A question, without the mentee's name, to every available mentor in their field.

        Returns:
            The question and how many mentors were offered it (0: nobody was, nothing saved).

        Raises:
            QuestionRefused: ``not_member`` when the person is no mentee of that programme.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            person_id = await _person_id(s, telegram_id)
            member = await s.scalar(
                select(Membership.person_id).where(
                    Membership.programme_id == programme_id,
                    Membership.person_id == person_id,
                    Membership.role == Role.MENTEE,
                )
            )
            if member is None:
                raise QuestionRefused("not_member")
            field = await s.scalar(select(Profile.field).where(Profile.person_id == person_id))
            mentors = await _pool_mentors(s, programme_id, person_id, field, now)
            hours = await _answer_hours(s, programme_id)
            mentee = await s.get(Person, person_id)
            assert mentee is not None
            question = Question(
                programme_id=programme_id,
                mentee_id=person_id,
                pool=True,
                field=field,
                status=QuestionStatus.OPEN,
                created_at=now,
                waiting_since=now,
                stage=1,  # nobody to remind yet: the next look tells the coordinators
                next_check_at=now + timedelta(hours=2 * hours),
                media_warned=_MENTEE if warned else 0,
            )
            view = _view(question, mentee, None, "mentee", content, hours)
            if not mentors:
                if also is not None:
                    await also(s)
                return view, 0
            s.add(question)
            await s.flush()
            message = await _add_message(s, question, mentee, content, now)
            qid = question.id
            for mentor in mentors:
                lang = mentor.language
                self._relay(
                    s,
                    question,
                    message,
                    mentor,
                    content,
                    header=t(lang, "qa.pool_question", field=field or "—"),
                    buttons=[[{"text": t(lang, "qa.take"), "callback_data": f"qa:k:{qid}"}]],
                    sender=None,
                    now=now,
                    ref=f"pool:{question.id}",
                )
            if also is not None:
                await also(s)
            return _view(question, mentee, None, "mentee", content, hours), len(mentors)

    async def take(self, telegram_id: int, question_id: int) -> QuestionView:
        """A mentor takes a pool question: it becomes theirs; the other offers are withdrawn.

        Raises:
            QuestionRefused: ``not_yours`` (never offered to them), ``taken`` (someone was
                quicker), ``closed``.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            person_id = await _person_id(s, telegram_id)
            question = await s.get(Question, question_id, with_for_update=True)
            offered = await s.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.ref == f"pool:{question_id}",
                    OutboxMessage.person_id == person_id,
                )
            )
            if question is None or not question.pool or offered is None:
                raise QuestionRefused("not_yours")
            if question.mentor_id is not None:
                raise QuestionRefused("taken" if question.mentor_id != person_id else "yours")
            if question.status == QuestionStatus.CLOSED:
                raise QuestionRefused("closed")
            hours = await _answer_hours(s, question.programme_id)
            question.mentor_id = person_id
            question.stage = 0
            since = question.waiting_since or now
            question.next_check_at = since + timedelta(hours=hours)
            await self._withdraw_offers(s, question, person_id, now)
            mentee, mentor = await _people(s, question.mentee_id, person_id)
            first = await s.scalar(
                select(QuestionMessage)
                .where(QuestionMessage.question_id == question.id)
                .order_by(QuestionMessage.id)
                .limit(1)
            )
            content = _content_of(first)
            return _view(question, mentee, mentor, "mentor", content, hours)

    async def _withdraw_offers(
        self, s: AsyncSession, question: Question, taker_id: int, now: datetime
    ) -> None:
        """Unsent offers are dropped; delivered ones are edited to say it was taken."""
        await s.execute(
            delete(OutboxMessage).where(
                OutboxMessage.ref == f"pool:{question.id}",
                OutboxMessage.status == OutboxStatus.PENDING,
            )
        )
        delivered = await s.execute(
            select(OutboxMessage.telegram_message_id, Person)
            .join(Person, Person.id == OutboxMessage.person_id)
            .where(
                OutboxMessage.ref == f"pool:{question.id}",
                OutboxMessage.status == OutboxStatus.SENT,
                OutboxMessage.person_id != taker_id,
                OutboxMessage.telegram_message_id.is_not(None),
            )
        )
        for message_id, mentor in delivered:
            enqueue_to(
                s,
                mentor,
                kind="pool_taken",
                payload={
                    "text": t(mentor.language, "qa.pool_taken"),
                    "edit": {"message_id": message_id},
                },
                dedupe_key=f"pool_taken:{question.id}:{mentor.id}:{message_id}",
                now=now,
                priority=PRIORITY_NOTICE,
            )

    async def warned(self, telegram_id: int, question_id: int) -> bool:
        """Whether this person already had the patient-privacy reminder for this question."""
        async with self._db.read() as s:
            person_id = await _person_id(s, telegram_id)
            question = await s.get(Question, question_id)
            if question is None:
                return False
            bit = _MENTEE if question.mentee_id == person_id else _MENTOR
            return bool(question.media_warned & bit)

    async def reply(
        self,
        telegram_id: int,
        question_id: int,
        content: Content,
        *,
        warned: bool = False,
        also: InTransaction | None = None,
    ) -> QuestionView:
        """Add a message to the thread and relay it to the other side.

        Raises:
            QuestionRefused: ``not_yours`` unless the person is the question's mentee or
                mentor; ``closed`` once the pair has ended.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            person_id = await _person_id(s, telegram_id)
            question = await s.get(Question, question_id, with_for_update=True)
            if question is None or person_id not in (question.mentee_id, question.mentor_id):
                raise QuestionRefused("not_yours")
            if question.mentor_id is None:
                raise QuestionRefused("not_yours")
            if question.status == QuestionStatus.CLOSED or not await _pair_active(s, question):
                raise QuestionRefused("closed")
            hours = await _answer_hours(s, question.programme_id)
            mentee, mentor = await _people(s, question.mentee_id, question.mentor_id)
            side: Literal["mentee", "mentor"] = "mentee" if person_id == mentee.id else "mentor"
            author, other = (mentee, mentor) if side == "mentee" else (mentor, mentee)
            if warned:
                question.media_warned |= _MENTEE if side == "mentee" else _MENTOR
            message = await _add_message(s, question, author, content, now)
            lang = other.language
            if side == "mentor":
                question.status = QuestionStatus.ANSWERED
                question.answered_at = question.answered_at or now
                question.waiting_since, question.next_check_at, question.stage = None, None, 0
                header = t(lang, "qa.answer_from", name=mentor.display_name or "—")
                buttons = [[{"text": t(lang, "qa.reply"), "callback_data": f"qa:r:{question.id}"}]]
            else:
                if question.status != QuestionStatus.OPEN:
                    question.status, question.waiting_since = QuestionStatus.OPEN, now
                    question.stage, question.next_check_at = 0, now + timedelta(hours=hours)
                header = t(lang, "qa.followup_from", name=mentee.display_name or "—")
                buttons = mentor_buttons(lang, question.id)
            self._relay(
                s,
                question,
                message,
                other,
                content,
                header=header,
                buttons=buttons,
                sender=author,
                now=now,
            )
            if also is not None:
                await also(s)
            return _view(question, mentee, mentor, side, content, hours)

    async def check_open(self, telegram_id: int, question_id: int) -> None:
        """Refuse early (before they write) a reply the person could not send.

        Raises:
            QuestionRefused: as ``reply`` would.
        """
        async with self._db.read() as s:
            person_id = await _person_id(s, telegram_id)
            question = await s.get(Question, question_id)
            if (
                question is None
                or question.mentor_id is None
                or person_id not in (question.mentee_id, question.mentor_id)
            ):
                raise QuestionRefused("not_yours")
            if question.status == QuestionStatus.CLOSED or not await _pair_active(s, question):
                raise QuestionRefused("closed")

    async def later(self, telegram_id: int, question_id: int) -> QuestionView:
        """The mentor will answer later: nothing changes but the answer clock keeps running.

        Raises:
            QuestionRefused: ``not_yours`` unless the person is the question's mentor.
        """
        async with self._db.read() as s:
            person_id = await _person_id(s, telegram_id)
            question = await s.get(Question, question_id)
            if question is None or question.mentor_id != person_id:
                raise QuestionRefused("not_yours")
            hours = await _answer_hours(s, question.programme_id)
            mentee, mentor = await _people(s, question.mentee_id, person_id)
            return _view(question, mentee, mentor, "mentor", None, hours)

    async def of_person(self, telegram_id: int, *, limit: int = 15) -> list[QuestionView]:
        """The person's questions, asked or to answer, newest first."""
        async with self._db.read() as s:
            rows = await s.execute(_OF_PERSON, {"telegram_id": telegram_id, "limit": limit})
            views = []
            for question, me, mentee_name, mentor_name, settings, first in rows:
                side: Literal["mentee", "mentor"] = (
                    "mentee" if question.mentee_id == me else "mentor"
                )
                hours = ProgrammeSettings.from_json(settings or {}).answer_hours
                views.append(
                    _view(question, mentee_name, mentor_name, side, _content_of(first), hours)
                )
            return views

    async def median_answer_seconds(self, programme_id: int) -> float | None:
        """The median time from question to first answer in a programme (None: no answers)."""
        async with self._db.read() as s:
            rows = await s.execute(
                select(Question.created_at, Question.answered_at).where(
                    Question.programme_id == programme_id, Question.answered_at.is_not(None)
                )
            )
            seconds = sorted(
                (answered - created).total_seconds() for created, answered in rows if answered
            )
        if not seconds:
            return None
        middle = len(seconds) // 2
        if len(seconds) % 2:
            return seconds[middle]
        return (seconds[middle - 1] + seconds[middle]) / 2

    async def sweep(self, *, batch: int = 500) -> int:
        """Remind mentors once, then tell coordinators and the mentee. Returns how many."""
        now = self._clock.now()
        async with self._db.session() as s:
            due = (
                await s.scalars(
                    select(Question)
                    .where(Question.next_check_at <= now)
                    .order_by(Question.next_check_at)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for question in due:
                await self._overdue(s, question, now)
            return len(due)

    async def _overdue(self, s: AsyncSession, question: Question, now: datetime) -> None:
        if question.status != QuestionStatus.OPEN or not await _pair_active(s, question):
            question.next_check_at = None
            return
        hours = await _answer_hours(s, question.programme_id)
        mentee, mentor = await _people(s, question.mentee_id, question.mentor_id)
        since = question.waiting_since or question.created_at
        key = f"{question.id}:{since.isoformat()}"
        if question.stage == 0 and mentor is not None:
            question.stage, question.next_check_at = 1, since + timedelta(hours=2 * hours)
            lang = mentor.language
            enqueue_to(
                s,
                mentor,
                kind="question_reminder",
                payload={
                    "text": t(lang, "qa.reminder", name=mentee.display_name or "—", hours=hours),
                    "buttons": mentor_buttons(lang, question.id),
                },
                dedupe_key=f"qa_reminder:{key}",
                now=now,
                ref=f"q:{question.id}",
            )
            return
        question.stage, question.next_check_at = 2, None
        enqueue_to(
            s,
            mentee,
            kind="question_escalated",
            payload={"text": t(mentee.language, "qa.looking_into_it")},
            dedupe_key=f"qa_escalated:{key}",
            now=now,
        )
        names = {"mentee": mentee.display_name or "—", "hours": 2 * hours}
        if mentor is not None:
            names["mentor"] = mentor.display_name or "—"
        await tell_coordinators(
            s,
            question.programme_id,
            "qa.unanswered_coordinator" if mentor is not None else "qa.unanswered_pool",
            f"qa_unanswered:{key}",
            now,
            kind="question_unanswered",
            **names,
        )

    def _relay(
        self,
        s: AsyncSession,
        question: Question,
        message: QuestionMessage,
        recipient: Person,
        content: Content,
        *,
        header: str,
        buttons: list[list[dict[str, str]]],
        sender: Person | None,
        now: datetime,
        ref: str | None = None,
    ) -> None:
        """Queue ``content`` for ``recipient`` under ``header``: split at Telegram's limits,
        the buttons on the last part, every part traceable to the question."""
        payloads = relay_payloads(header, content)
        payloads[-1]["buttons"] = buttons
        for part, payload in enumerate(payloads):
            if sender is not None:
                payload["sender"] = sender.id
            enqueue_to(
                s,
                recipient,
                kind="question" if question.pool is False else "pool_question",
                payload=payload,
                dedupe_key=f"qa:{message.id}:{recipient.id}:{part}",
                now=now,
                ref=ref or f"q:{question.id}",
            )


def relay_payloads(header: str, content: Content) -> list[dict[str, Any]]:
    """Outbox payloads that carry ``content`` under ``header`` (Telegram HTML) within
    Telegram's limits: the text in as many messages as it needs; media with the caption when
    it fits, else the media with the header and the caption after it as text."""
    words = content.text or ""
    if content.kind == "text":
        pieces = split_text(words, _CHUNK)
        first = f"{header}\n\n{html.escape(pieces[0], quote=False)}"
        return [{"text": first}] + [{"text": html.escape(p, quote=False)} for p in pieces[1:]]
    caption = f"{header}\n\n{html.escape(words, quote=False)}" if words.strip() else header
    media = {"type": content.kind, "file_id": content.file_id}
    if visible_len(caption) <= CAPTION_LIMIT:
        return [{"media": {**media, "caption": caption}}]
    pieces = split_text(words, _CHUNK)
    return [{"media": {**media, "caption": header}}] + [
        {"text": html.escape(p, quote=False)} for p in pieces
    ]


def question_of_ref(ref: str | None) -> int | None:
    """The question a relayed message belongs to, from its outbox ``ref`` (``"q:<id>"``)."""
    if ref is None or not ref.startswith("q:") or not ref[2:].isdigit():
        return None
    return int(ref[2:])


def mentor_buttons(lang: str, question_id: int) -> list[list[dict[str, str]]]:
    """*Reply* and *Answer later*, as the mentor sees them under a question."""
    return [
        [
            {"text": t(lang, "qa.reply"), "callback_data": f"qa:r:{question_id}"},
            {"text": t(lang, "qa.later"), "callback_data": f"qa:l:{question_id}"},
        ]
    ]


async def _person_id(s: AsyncSession, telegram_id: int) -> int:
    try:
        return await active_person_id(s, telegram_id)
    except NotCoordinator:
        raise QuestionRefused("not_yours") from None


async def _people(s: AsyncSession, mentee_id: int, mentor_id: int | None) -> tuple[Person, Person]:
    mentee = await s.get(Person, mentee_id)
    mentor = await s.get(Person, mentor_id) if mentor_id is not None else None
    if mentee is None or (mentor_id is not None and mentor is None):
        raise QuestionRefused("not_yours")
    return mentee, mentor  # type: ignore[return-value]  # None only for untaken pool questions


async def _answer_hours(s: AsyncSession, programme_id: int) -> int:
    programme = await s.get(Programme, programme_id)
    settings = ProgrammeSettings.from_json(programme.settings if programme else {})
    return settings.answer_hours


async def _pair_active(s: AsyncSession, question: Question) -> bool:
    """Pool questions have no pair; a paired question lives as long as its pair."""
    if question.pairing_id is None:
        return question.status != QuestionStatus.CLOSED
    status = await s.scalar(select(Pairing.status).where(Pairing.id == question.pairing_id))
    return status == PairingStatus.ACTIVE


async def _pool_mentors(
    s: AsyncSession, programme_id: int, mentee_id: int, field: str | None, now: datetime
) -> Sequence[Person]:
    """Mentors of the programme in the mentee's field who can be written to and are not away."""
    query = (
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .join(Profile, Profile.person_id == Person.id)
        .where(
            Membership.programme_id == programme_id,
            Membership.role == Role.MENTOR,
            Person.id != mentee_id,
            Person.status == PersonStatus.ACTIVE,
            Person.telegram_id.is_not(None),
            or_(Profile.away_until.is_(None), Profile.away_until < now.date()),
        )
        .order_by(Person.id)
    )
    if field:
        query = query.where(func.lower(Profile.field) == field.lower())
    return (await s.scalars(query)).all()


async def _add_message(
    s: AsyncSession, question: Question, author: Person, content: Content, now: datetime
) -> QuestionMessage:
    message = QuestionMessage(
        question_id=question.id,
        author_id=author.id,
        kind=content.kind,
        text=content.text,
        file_id=content.file_id,
        created_at=now,
    )
    s.add(message)
    await s.flush()
    return message


def _content_of(message: QuestionMessage | None) -> Content | None:
    if message is None:
        return None
    return Content(message.kind, message.text, message.file_id)  # type: ignore[arg-type]


def _view(
    question: Question,
    mentee: Person | str | None,
    mentor: Person | str | None,
    side: Literal["mentee", "mentor"],
    content: Content | None,
    hours: int,
) -> QuestionView:
    """What the person sees of a question; the people as rows or just their names."""
    mentee_name = mentee.display_name if isinstance(mentee, Person) else mentee
    mentor_name = mentor.display_name if isinstance(mentor, Person) else mentor
    if side == "mentee":
        other = mentor_name or ""
    elif question.pool:
        other = ""  # the asker of a pool question stays anonymous
    else:
        other = mentee_name or "—"
    preview = ""
    if content is not None:
        preview = (content.text or "").strip().split("\n")[0][:60] or f"[{content.kind}]"
    return QuestionView(
        id=question.id,
        status=question.status,
        side=side,
        other_name=other,
        pool=question.pool,
        created_at=question.created_at,
        answered_at=question.answered_at,
        preview=preview,
        answer_hours=hours,
    )
