"""The database schema: people, programmes, invite codes, memberships, profiles, conversations.

Every table is declared here with SQLAlchemy 2.0 typed mappings; Alembic migrations in
``storage/migrations`` create exactly this schema (a test compares the two). Relationships load
with ``lazy="raise"`` so that no query ever happens by surprise inside async code.

Times are timezone-aware UTC everywhere: ``UtcDateTime`` stores naive UTC in SQLite (which has
no timezone type) and ``timestamptz`` in PostgreSQL, and always hands back aware datetimes.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A datetime column that only accepts aware datetimes and always returns UTC-aware ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite has no timezone type: store naive UTC so that comparisons stay lexical-safe.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _WithoutNul:
    """Telegram lets people send U+0000; PostgreSQL cannot store it in text columns. It is
    dropped on the way in (in comparisons too), alike on both databases."""

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return value.replace("\x00", "") if isinstance(value, str) else value


class NulFree(_WithoutNul, TypeDecorator[str]):
    """``Text`` that never holds U+0000."""

    impl = Text
    cache_ok = True


class NulFreeString(_WithoutNul, TypeDecorator[str]):
    """``String(length)`` that never holds U+0000."""

    impl = String
    cache_ok = True


class Base(AsyncAttrs, DeclarativeBase):
    """Declarative base with a stable constraint naming convention (Alembic needs it)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime, dict[str, Any]: JSON}


class PersonStatus(enum.StrEnum):
    """Whether the bot may write to a person."""

    ACTIVE = "active"
    PAUSED = "paused"
    BLOCKED = "blocked"
    DELETED = "deleted"


class Role(enum.StrEnum):
    """A person's part in one programme."""

    MENTEE = "mentee"
    MENTOR = "mentor"
    COORDINATOR = "coordinator"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: portable, readable, easy to migrate.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Person(Base):
    """Someone who talks to the bot. Personal data is nulled when they ask for deletion."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str | None] = mapped_column(NulFreeString(64))
    language: Mapped[str] = mapped_column(NulFreeString(8))
    timezone: Mapped[str | None] = mapped_column(NulFreeString(64))
    status: Mapped[PersonStatus] = mapped_column(
        _enum(PersonStatus, "person_status"), default=PersonStatus.ACTIVE
    )
    consent_at: Mapped[datetime | None]
    onboarded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    profile: Mapped[Profile | None] = relationship(
        back_populates="person", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="person", lazy="raise", passive_deletes=True
    )


class Programme(Base):
    """A mentorship programme: its people, its pairs, its settings."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(NulFreeString(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    # Batch-mode programmes only: when the minute sweep next matches the waiting mentees.
    next_batch_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_programmes_next_batch", "next_batch_at"),
        # At most one default programme per deployment.
        Index(
            "uq_programmes_default",
            "is_default",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )


class InviteCode(Base):
    """A deep-link code (``/start <code>``) that joins a programme with a given role."""

    __tablename__ = "invite_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    code: Mapped[str] = mapped_column(NulFreeString(32), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Membership(Base):
    """A person's role in a programme. One person may hold several."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    joined_at: Mapped[datetime]
    # A coordinator deactivated this membership: kept for history, out of every audience.
    deactivated_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="memberships", lazy="raise")

    __table_args__ = (
        UniqueConstraint("person_id", "programme_id", "role", name="uq_memberships_person_role"),
        Index("ix_memberships_programme_role", "programme_id", "role"),
    )


class Profile(Base):
    """What matching and scheduling need to know about a person."""

    __tablename__ = "profiles"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str | None] = mapped_column(NulFreeString(64))
    stage: Mapped[str | None] = mapped_column(NulFreeString(32))
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    bio: Mapped[str | None] = mapped_column(NulFree)
    capacity: Mapped[int | None] = mapped_column(SmallInteger)
    checkin_day: Mapped[int | None] = mapped_column(SmallInteger)
    checkin_hour: Mapped[int | None] = mapped_column(SmallInteger)
    quiet_start: Mapped[int | None] = mapped_column(SmallInteger)
    quiet_end: Mapped[int | None] = mapped_column(SmallInteger)
    away_until: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime]

    person: Mapped[Person] = relationship(back_populates="profile", lazy="raise")

    __table_args__ = (
        CheckConstraint("checkin_day BETWEEN 0 AND 6", name="checkin_day"),
        CheckConstraint("checkin_hour BETWEEN 0 AND 23", name="checkin_hour"),
        CheckConstraint("quiet_start BETWEEN 0 AND 23", name="quiet_start"),
        CheckConstraint("quiet_end BETWEEN 0 AND 23", name="quiet_end"),
        CheckConstraint("capacity BETWEEN 0 AND 50", name="capacity"),
    )


class ConversationState(Base):
    """Where a person is in a multi-step conversation, so a restart does not lose it."""

    __tablename__ = "conversation_states"

    name: Mapped[str] = mapped_column(NulFreeString(32), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    state: Mapped[str] = mapped_column(NulFreeString(64))
    updated_at: Mapped[datetime]


class ConversationDraft(Base):
    """What a person typed in an unfinished conversation (e.g. the timezone awaiting a yes)."""

    __tablename__ = "conversation_drafts"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class GroupNotice(Base):
    """Group chats already told that the bot works in private chats (told once)."""

    __tablename__ = "group_notices"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    notified_at: Mapped[datetime]


class PairingStatus(enum.StrEnum):
    """Whether a mentor and a mentee are working together."""

    ACTIVE = "active"
    ENDED = "ended"


class PairingOrigin(enum.StrEnum):
    """How a pair was formed."""

    COORDINATOR = "coordinator"
    CHOICE = "choice"
    BATCH = "batch"


class Pairing(Base):
    """A mentor and a mentee in one programme; ended pairs are kept as history."""

    __tablename__ = "pairings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[PairingStatus] = mapped_column(_enum(PairingStatus, "pairing_status"))
    origin: Mapped[PairingOrigin] = mapped_column(_enum(PairingOrigin, "pairing_origin"))
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    end_reason: Mapped[str | None] = mapped_column(NulFree)
    end_rating: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        # One active mentor per mentee per programme.
        Index(
            "uq_pairings_active_mentee",
            "programme_id",
            "mentee_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_pairings_mentor_status", "mentor_id", "status"),
        CheckConstraint("end_rating BETWEEN 1 AND 5", name="end_rating"),
        CheckConstraint("mentor_id <> mentee_id", name="distinct_people"),
    )


class RequestStatus(enum.StrEnum):
    """Where a mentee's request to a mentor stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class PairingRequest(Base):
    """A mentee asking a mentor to pair (mentee-choice programmes)."""

    __tablename__ = "pairing_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, "request_status"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    # When the minute sweep must look at it next: the reminder (once the programme's answer
    # time has passed), then the deadline.
    next_check_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_pairing_requests_due", "status", "next_check_at"),
        Index(
            "uq_pairing_requests_pending",
            "mentee_id",
            "mentor_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )


class PairingExclusion(Base):
    """A coordinator's "never pair these two" in one programme."""

    __tablename__ = "pairing_exclusions"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    mentee_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class OutboxStatus(enum.StrEnum):
    """Every delivery ends in sent, failed or blocked; uncertain awaits its one retry."""

    PENDING = "pending"
    SENDING = "sending"
    UNCERTAIN = "uncertain"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


class OutboxMessage(Base):
    """A message to someone other than the person who just acted, sent by the delivery worker.

    Written in the same transaction as the change that caused it, so a change is never saved
    without its notification, nor a notification sent for a change that was rolled back.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(NulFreeString(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus, "outbox_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(NulFreeString(200))
    dedupe_key: Mapped[str | None] = mapped_column(NulFreeString(100), unique=True)
    # What the message belongs to ("q:<question id>", "pool:<question id>"), so that a
    # Telegram reply to it finds its thread, and a pool offer can be withdrawn once taken.
    ref: Mapped[str | None] = mapped_column(NulFreeString(40))
    # Sends whose outcome is unknown (timeouts, a crash mid-send): each earns one resend, up
    # to ``bot.services.outbox.MAX_RESENDS``.
    unknown_outcomes: Mapped[int] = mapped_column(SmallInteger, default=0)

    __table_args__ = (
        # The delivery sweep claims what is due, most urgent first: an indexed range scan.
        Index("ix_outbox_due", "status", "priority", "next_attempt_at"),
        Index("ix_outbox_sent_message", "chat_id", "telegram_message_id"),
        Index("ix_outbox_ref", "ref"),
    )


class QuestionStatus(enum.StrEnum):
    """Whose turn it is in a question's thread."""

    OPEN = "open"  # waiting for a mentor
    ANSWERED = "answered"  # the mentor answered last
    CLOSED = "closed"  # the pair ended, or the mentee closed it


class Question(Base):
    """A mentee's question and its thread of answers and follow-ups."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id", ondelete="SET NULL"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    # None while a pool question waits for a mentor to take it.
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    pool: Mapped[bool] = mapped_column(Boolean, default=False)
    field: Mapped[str | None] = mapped_column(NulFreeString(80))
    status: Mapped[QuestionStatus] = mapped_column(_enum(QuestionStatus, "question_status"))
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]  # the first answer: the answer time counts to here
    waiting_since: Mapped[datetime | None]  # the mentee's oldest message still unanswered
    # 0 waiting, 1 mentor reminded, 2 coordinator told; next_check_at is when the sweep looks.
    stage: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_check_at: Mapped[datetime | None]
    # Who has been reminded to remove patient details before a photo or document: 1 the
    # mentee, 2 the mentor (once per question each).
    media_warned: Mapped[int] = mapped_column(SmallInteger, default=0)

    __table_args__ = (
        Index("ix_questions_due", "next_check_at"),
        Index("ix_questions_mentee", "mentee_id", "created_at"),
        Index("ix_questions_mentor", "mentor_id", "created_at"),
        Index("ix_questions_programme", "programme_id", "created_at"),
    )


class QuestionMessage(Base):
    """One message in a question's thread: text, or a voice note, photo or document."""

    __tablename__ = "question_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(NulFreeString(16))
    text: Mapped[str | None] = mapped_column(NulFree)
    file_id: Mapped[str | None] = mapped_column(NulFreeString(255))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_question_messages_question", "question_id", "id"),)


class GratitudeNote(Base):
    """A thank-you from one side of a pair to the other."""

    __tablename__ = "gratitude_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(NulFree)
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime | None]  # shown in a mentor's weekly digest

    __table_args__ = (
        Index("ix_gratitude_notes_recipient", "recipient_id", "created_at"),
        Index("ix_gratitude_notes_programme", "programme_id", "created_at"),
    )


class GoalStatus(enum.StrEnum):
    """Where a goal stands."""

    ACTIVE = "active"
    DONE = "done"
    DROPPED = "dropped"


class Goal(Base):
    """A mentee's SMART goal: what, how they will know, by when, and the first step."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(NulFree)
    measure: Mapped[str] = mapped_column(NulFree)
    due_on: Mapped[date] = mapped_column(Date)
    first_step: Mapped[str] = mapped_column(NulFree)
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[GoalStatus] = mapped_column(_enum(GoalStatus, "goal_status"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    # When the sweep sends the deadline reminder (None once sent, or when not active).
    remind_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_goals_mentee", "mentee_id", "status"),
        Index("ix_goals_remind", "remind_at"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
    )


class GoalNote(Base):
    """Progress, a note by the mentee, or a comment by the mentor, on one goal."""

    __tablename__ = "goal_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(NulFreeString(16))  # progress | note | comment
    progress: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str | None] = mapped_column(NulFree)
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_goal_notes_goal", "goal_id", "id"),)


class Schedule(Base):
    """When something time-driven is next due for a person: one row per person and kind.

    Kinds: ``pulse`` (a mentee's weekly pulse), ``pair`` (the monthly "did you two talk?"),
    ``nudge`` (a mentor's weekly digest), ``profile`` (onboarding unfinished), ``unmatched``
    (a mentee still without a mentor). The minute sweep reads ``next_due_at <= now`` on its
    index, and advances or deletes the row in the same transaction as what it sends.
    """

    __tablename__ = "schedules"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(NulFreeString(16), primary_key=True)
    next_due_at: Mapped[datetime]
    # Which step of a multi-step reminder comes next (e.g. unmatched: 7 days, then 14).
    step: Mapped[int] = mapped_column(SmallInteger, default=0)
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_schedules_due", "next_due_at"),)


class CheckIn(Base):
    """One scheduled prompt for one period, and the person's answer to it.

    The unique (person, kind, period) row is the claim: a second sweep, a restart or two
    overlapping ticks cannot send the same period's prompt twice. ``local_day`` (the person's
    local date when it was sent) is unique per person too: at most one scheduled prompt a day.
    """

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(NulFreeString(16))  # pulse | pair | nudge
    period: Mapped[str] = mapped_column(NulFreeString(16))  # e.g. 2026-W47, 2026-11
    local_day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    score: Mapped[int | None] = mapped_column(SmallInteger)  # pulse: 1-5
    # pair: yes | not_yet | need_help; pulse: "reach_out" when they asked for contact.
    answer: Mapped[str | None] = mapped_column(NulFreeString(16))
    blocking: Mapped[str | None] = mapped_column(NulFree)  # pulse: "anything blocking you?"
    blocking_file_id: Mapped[str | None] = mapped_column(NulFreeString(255))  # ... as a voice note
    # What else this prompt carried (merged prompts, digest contents), ids only.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        UniqueConstraint("person_id", "kind", "period", name="uq_checkins_period"),
        UniqueConstraint("person_id", "local_day", name="uq_checkins_day"),
        Index("ix_checkins_programme", "programme_id", "sent_at"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
    )


class Flag(Base):
    """Something a mentor or coordinator should look at (no message text is kept here).

    Kinds: ``low_pulse``, ``reach_out``, ``wellbeing``, ``need_help``, ``unanswered``,
    ``unresponsive_mentor``, ``blocked``, ``unmatched``.
    """

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(NulFreeString(24))
    raised_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_flags_open", "programme_id", "resolved_at", "kind"),)


class BroadcastStatus(enum.StrEnum):
    """Where an announcement stands."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Broadcast(Base):
    """A coordinator's announcement: what, to whom, when, and how far it got.

    Each recipient's copy is an outbox row with ``ref = "b:<id>"`` (PRIORITY_BULK), so
    progress is a count over the outbox and a restart resumes where it stopped.
    """

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # The programmes it goes to (the audience's scope) and who in them.
    programme_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # all | mentees | mentors | quiet_mentees
    audience: Mapped[str] = mapped_column(NulFreeString(24))
    text: Mapped[str | None] = mapped_column(NulFree)
    media: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"type", "file_id"}
    status: Mapped[BroadcastStatus] = mapped_column(_enum(BroadcastStatus, "broadcast_status"))
    scheduled_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    total: Mapped[int] = mapped_column(Integer, default=0)
    # The live progress message in the coordinator's chat.
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_broadcasts_due", "status", "scheduled_at"),)


class AuditEntry(Base):
    """What a coordinator did, to whom, when: every coordinator action writes one."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE")
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(NulFreeString(40))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_audit_log_programme", "programme_id", "created_at"),)
