"""The coordinator console: programme statistics, the research export, members, the audit log.

- :meth:`ConsoleService.stats` counts a programme (numbers only) and the last 12 weeks of
  engagement; :func:`render_chart` draws those weeks as a PNG (matplotlib, Agg: no display),
  and is meant to run in a thread executor because drawing takes a noticeable moment.
- :meth:`ConsoleService.export` writes one CSV per table — pairs, questions (times and status),
  check-ins (scores and answer codes), goals (with note counts) and participants (with
  gratitude note counts) — zipped together. People appear only as pseudonyms: an HMAC of their
  id under a secret kept in the programme's settings, stable across exports of that programme
  and useless for linking two programmes. Free text (questions, notes, reasons, names) is
  never exported.
- :meth:`ConsoleService.members` lists members with role and status; :meth:`set_active`
  deactivates or reactivates one membership (kept for history, left out of every audience).
- :func:`audit` writes what a coordinator did into the caller's transaction: every coordinator
  action calls it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
import statistics
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.programmes import NotCoordinator, require_coordinator
from storage.database import Database
from storage.models import (
    AuditEntry,
    CheckIn,
    Flag,
    GoalNote,
    GoalStatus,
    GratitudeNote,
    InviteCode,
    Membership,
    Pairing,
    PairingStatus,
    Person,
    PersonStatus,
    Programme,
    Question,
    Role,
)
from storage.models import Goal as GoalRow

WEEKS = 12
SECRET_KEY = "export_secret"
SERIES = ("questions", "answers", "checkins", "notes")
_ANSWERED_KINDS = ("pulse", "pair")


def audit(
    s: AsyncSession,
    programme_id: int | None,
    actor_id: int | None,
    action: str,
    target_id: int | None = None,
    details: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """Record a coordinator's action in the caller's open transaction (ids, never text)."""
    s.add(
        AuditEntry(
            programme_id=programme_id,
            actor_id=actor_id,
            action=action[:40],
            target_id=target_id,
            details=details or {},
            created_at=now or datetime.now(UTC),
        )
    )


@dataclass(frozen=True)
class ProgrammeStats:
    """A programme in numbers (never names or text)."""

    programme_id: int
    programme_name: str
    roles: dict[Role, int]
    active_pairs: int
    unmatched_mentees: int
    questions: int
    answered: int
    median_answer_seconds: float | None
    checkins_sent: int
    checkins_answered: int
    goals: int
    goals_done: int
    notes: int
    flags: dict[str, int]
    weeks: tuple[datetime, ...]  # the Monday (UTC) each weekly figure starts on
    series: dict[str, tuple[int, ...]]  # SERIES name -> one count per week

    @property
    def response_rate(self) -> float | None:
        """Share of check-ins answered (None when none was sent)."""
        return self.checkins_answered / self.checkins_sent if self.checkins_sent else None


@dataclass(frozen=True)
class Member:
    """One membership as a coordinator sees it."""

    membership_id: int
    person_id: int
    name: str
    role: Role
    status: PersonStatus
    active: bool  # False once a coordinator deactivated the membership


@dataclass(frozen=True)
class MemberPage:
    """Part of a programme's member list."""

    programme_id: int
    programme_name: str
    members: tuple[Member, ...]
    offset: int
    total: int


@dataclass(frozen=True)
class Export:
    """The research export of one programme: a zip of CSV files."""

    filename: str
    content: bytes
    files: tuple[str, ...]


def pseudonym(secret: str, person_id: int | None) -> str:
    """A stable pseudonymous id: HMAC-SHA256 of the person id under the programme's secret."""
    if person_id is None:
        return ""
    digest = hmac.new(secret.encode(), str(person_id).encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the week ``moment`` falls in."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def render_chart(stats: ProgrammeStats, title: str, labels: dict[str, str]) -> bytes:
    """The last weeks' engagement as a PNG: one line per series (blocking: use an executor)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 4.2), dpi=100)
    axes = figure.add_subplot()
    days = [w.strftime("%d/%m") for w in stats.weeks]
    for name in SERIES:
        axes.plot(days, stats.series[name], marker="o", label=labels[name])
    axes.set_title(title)
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="x", labelrotation=45)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize="small")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else ""


class ConsoleService:
    """Statistics, export and members for a programme's coordinators; one transaction each.

    Every method checks that the caller coordinates exactly that programme
    (:func:`~bot.services.programmes.require_coordinator`, ``NotCoordinator`` otherwise).
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- statistics ---------------------------------------------------------------------------

    async def stats(self, telegram_id: int, programme_id: int) -> ProgrammeStats:
        """The programme in numbers, and the last :data:`WEEKS` weeks week by week."""
        now = self._clock.now()
        first = week_start(now) - timedelta(weeks=WEEKS - 1)
        async with self._db.read() as s:
            await require_coordinator(s, telegram_id, programme_id)
            programme = await s.get(Programme, programme_id)
            assert programme is not None
            roles = await self._roles(s, programme_id)
            pairs = await _count(
                s,
                Pairing,
                Pairing.programme_id == programme_id,
                Pairing.status == PairingStatus.ACTIVE,
            )
            unmatched = await self._unmatched(s, programme_id)
            times = (
                await s.execute(
                    select(Question.created_at, Question.answered_at).where(
                        Question.programme_id == programme_id
                    )
                )
            ).all()
            waits = [(b - a).total_seconds() for a, b in times if b is not None]
            checkins = (
                await s.execute(
                    select(CheckIn.sent_at, CheckIn.answered_at).where(
                        CheckIn.programme_id == programme_id, CheckIn.kind.in_(_ANSWERED_KINDS)
                    )
                )
            ).all()
            goals = Counter(
                await s.scalars(select(GoalRow.status).where(GoalRow.programme_id == programme_id))
            )
            notes = (
                await s.scalars(
                    select(GratitudeNote.created_at).where(
                        GratitudeNote.programme_id == programme_id
                    )
                )
            ).all()
            flags = dict(
                (
                    await s.execute(
                        select(Flag.kind, func.count())
                        .where(Flag.programme_id == programme_id, Flag.resolved_at.is_(None))
                        .group_by(Flag.kind)
                    )
                )
                .tuples()
                .all()
            )
        weeks = tuple(first + timedelta(weeks=n) for n in range(WEEKS))

        def weekly(moments: list[datetime | None]) -> tuple[int, ...]:
            counts = Counter(week_start(m) for m in moments if m is not None and m >= first)
            return tuple(counts.get(w, 0) for w in weeks)

        series = {
            "questions": weekly([a for a, _ in times]),
            "answers": weekly([b for _, b in times]),
            "checkins": weekly([b for _, b in checkins]),
            "notes": weekly(list(notes)),
        }
        return ProgrammeStats(
            programme_id=programme_id,
            programme_name=programme.name,
            roles=roles,
            active_pairs=pairs,
            unmatched_mentees=unmatched,
            questions=len(times),
            answered=len(waits),
            median_answer_seconds=statistics.median(waits) if waits else None,
            checkins_sent=len(checkins),
            checkins_answered=sum(1 for _, b in checkins if b is not None),
            goals=sum(goals.values()),
            goals_done=goals.get(GoalStatus.DONE, 0),
            notes=len(notes),
            flags={str(k): int(v) for k, v in flags.items()},
            weeks=weeks,
            series=series,
        )

    async def _roles(self, s: AsyncSession, programme_id: int) -> dict[Role, int]:
        rows = await s.execute(
            select(Membership.role, func.count())
            .join(Person, Person.id == Membership.person_id)
            .where(
                Membership.programme_id == programme_id,
                Membership.deactivated_at.is_(None),
                Person.status != PersonStatus.DELETED,
            )
            .group_by(Membership.role)
        )
        found = dict(rows.tuples().all())
        return {role: int(found.get(role, 0)) for role in Role}

    async def _unmatched(self, s: AsyncSession, programme_id: int) -> int:
        paired = select(Pairing.mentee_id).where(
            Pairing.programme_id == programme_id, Pairing.status == PairingStatus.ACTIVE
        )
        return await _count(
            s,
            Membership,
            Membership.programme_id == programme_id,
            Membership.role == Role.MENTEE,
            Membership.deactivated_at.is_(None),
            Membership.person_id.not_in(paired),
            Membership.person_id.in_(
                select(Person.id).where(
                    Person.status.in_((PersonStatus.ACTIVE, PersonStatus.PAUSED))
                )
            ),
        )

    # -- export -------------------------------------------------------------------------------

    async def export(self, telegram_id: int, programme_id: int) -> Export:
        """Every table of the programme as CSV, zipped, with pseudonymous ids and no free text."""
        now = self._clock.now()
        async with self._db.session() as s:
            actor = await require_coordinator(s, telegram_id, programme_id)
            programme = await s.get(Programme, programme_id, with_for_update=True)
            assert programme is not None
            secret = programme.settings.get(SECRET_KEY)
            if not isinstance(secret, str):
                secret = secrets.token_hex(32)
                programme.settings = {**programme.settings, SECRET_KEY: secret}
            files = await self._tables(s, programme_id, secret)
            audit(s, programme_id, actor, "export", None, {"files": len(files)}, now=now)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        stamp = now.strftime("%Y%m%d")
        return Export(f"programme-{programme_id}-{stamp}.zip", buffer.getvalue(), tuple(files))

    async def _tables(self, s: AsyncSession, programme_id: int, secret: str) -> dict[str, bytes]:
        def pid(person_id: int | None) -> str:
            return pseudonym(secret, person_id)

        pairs = await _programme_rows(
            s,
            programme_id,
            Pairing.id,
            Pairing.mentor_id,
            Pairing.mentee_id,
            Pairing.status,
            Pairing.origin,
            Pairing.score,
            Pairing.started_at,
            Pairing.ended_at,
            Pairing.end_rating,
        )
        questions = await _programme_rows(
            s,
            programme_id,
            Question.id,
            Question.pairing_id,
            Question.mentee_id,
            Question.mentor_id,
            Question.pool,
            Question.status,
            Question.created_at,
            Question.answered_at,
        )
        checkins = await _programme_rows(
            s,
            programme_id,
            CheckIn.id,
            CheckIn.person_id,
            CheckIn.kind,
            CheckIn.period,
            CheckIn.sent_at,
            CheckIn.answered_at,
            CheckIn.score,
            CheckIn.answer,
        )
        note_counts = (
            select(GoalNote.goal_id, func.count().label("notes"))
            .group_by(GoalNote.goal_id)
            .subquery()
        )
        goals = await s.execute(
            select(
                GoalRow.id,
                GoalRow.mentee_id,
                GoalRow.status,
                GoalRow.progress,
                GoalRow.created_at,
                GoalRow.due_on,
                GoalRow.done_at,
                func.coalesce(note_counts.c.notes, 0),
            )
            .outerjoin(note_counts, note_counts.c.goal_id == GoalRow.id)
            .where(GoalRow.programme_id == programme_id)
            .order_by(GoalRow.id)
        )
        sent = await _notes_by(s, GratitudeNote.sender_id, programme_id)
        received = await _notes_by(s, GratitudeNote.recipient_id, programme_id)
        members = await s.execute(
            select(
                Membership.person_id,
                Membership.role,
                Membership.joined_at,
                Membership.deactivated_at,
                Person.status,
            )
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.programme_id == programme_id)
            .order_by(Membership.id)
        )
        return {
            "participants.csv": _csv(
                [
                    "person",
                    "role",
                    "status",
                    "joined_week",
                    "deactivated",
                    "notes_sent",
                    "notes_received",
                ],
                [
                    [
                        pid(person),
                        role.value,
                        status.value,
                        week_start(joined).date(),
                        int(off is not None),
                        sent.get(person, 0),
                        received.get(person, 0),
                    ]
                    for person, role, joined, off, status in members
                ],
            ),
            "pairs.csv": _csv(
                [
                    "pair",
                    "mentor",
                    "mentee",
                    "status",
                    "origin",
                    "score",
                    "started_at",
                    "ended_at",
                    "end_rating",
                ],
                [
                    [
                        i,
                        pid(mentor),
                        pid(mentee),
                        st.value,
                        origin.value,
                        "" if score is None else round(score, 3),
                        _iso(start),
                        _iso(end),
                        "" if rating is None else rating,
                    ]
                    for i, mentor, mentee, st, origin, score, start, end, rating in pairs
                ],
            ),
            "questions.csv": _csv(
                [
                    "question",
                    "pair",
                    "mentee",
                    "mentor",
                    "pool",
                    "status",
                    "asked_at",
                    "answered_at",
                    "answer_seconds",
                ],
                [
                    [
                        i,
                        pair or "",
                        pid(mentee),
                        pid(mentor),
                        int(pool),
                        st.value,
                        _iso(asked),
                        _iso(answered),
                        "" if answered is None else round((answered - asked).total_seconds()),
                    ]
                    for i, pair, mentee, mentor, pool, st, asked, answered in questions
                ],
            ),
            "checkins.csv": _csv(
                [
                    "checkin",
                    "person",
                    "kind",
                    "period",
                    "sent_at",
                    "answered_at",
                    "score",
                    "answer",
                ],
                [
                    [
                        i,
                        pid(person),
                        kind,
                        period,
                        _iso(sent_at),
                        _iso(answered),
                        "" if score is None else score,
                        answer or "",
                    ]
                    for i, person, kind, period, sent_at, answered, score, answer in checkins
                ],
            ),
            "goals.csv": _csv(
                [
                    "goal",
                    "mentee",
                    "status",
                    "progress",
                    "created_at",
                    "due_on",
                    "done_at",
                    "notes",
                ],
                [
                    [
                        i,
                        pid(mentee),
                        st.value,
                        progress,
                        _iso(created),
                        due.isoformat(),
                        _iso(done),
                        notes,
                    ]
                    for i, mentee, st, progress, created, due, done, notes in goals
                ],
            ),
        }

    # -- members ------------------------------------------------------------------------------

    async def members(
        self, telegram_id: int, programme_id: int, *, offset: int = 0, limit: int = 15
    ) -> MemberPage:
        """Members with role and status: coordinators, mentors, then mentees, by name."""
        async with self._db.read() as s:
            await require_coordinator(s, telegram_id, programme_id)
            programme = await s.get(Programme, programme_id)
            assert programme is not None
            where = (
                Membership.programme_id == programme_id,
                Person.status != PersonStatus.DELETED,
            )
            total = int(
                await s.scalar(
                    select(func.count())
                    .select_from(Membership)
                    .join(Person, Person.id == Membership.person_id)
                    .where(*where)
                )
                or 0
            )
            rows = await s.execute(
                select(Membership, Person.display_name, Person.status)
                .join(Person, Person.id == Membership.person_id)
                .where(*where)
                .order_by(Membership.role, Person.display_name, Membership.id)
                .offset(max(offset, 0))
                .limit(limit)
            )
            members = tuple(
                Member(m.id, m.person_id, name or "—", m.role, status, m.deactivated_at is None)
                for m, name, status in rows
            )
            return MemberPage(programme_id, programme.name, members, max(offset, 0), total)

    async def member(self, telegram_id: int, membership_id: int) -> Member:
        """One membership, for a coordinator of its programme."""
        async with self._db.read() as s:
            membership = await self._membership(s, telegram_id, membership_id)
            person = await s.get(Person, membership.person_id)
            assert person is not None
            return _member(membership, person)

    async def set_active(self, telegram_id: int, membership_id: int, active: bool) -> Member:
        """Deactivate (out of every audience, kept for history) or reactivate a membership.

        A coordinator cannot deactivate their own coordinator membership (a programme would
        otherwise lose its last coordinator by a slip of the finger).
        """
        async with self._db.session() as s:
            membership = await self._membership(s, telegram_id, membership_id, lock=True)
            actor = await require_coordinator(s, telegram_id, membership.programme_id)
            if actor == membership.person_id and membership.role == Role.COORDINATOR:
                raise PermissionError("a coordinator does not deactivate themselves")
            now = self._clock.now()
            if active != (membership.deactivated_at is None):
                membership.deactivated_at = None if active else now
                action = "reactivate" if active else "deactivate"
                details = {"membership": membership.id, "role": membership.role.value}
                audit(s, membership.programme_id, actor, action, membership.person_id, details,
                      now=now)  # fmt: skip
            person = await s.get(Person, membership.person_id)
            assert person is not None
            return _member(membership, person)

    async def coordinator_invite(self, telegram_id: int, programme_id: int) -> str | None:
        """The programme's coordinator invite code (None when that link is disabled)."""
        async with self._db.session() as s:
            actor = await require_coordinator(s, telegram_id, programme_id)
            code = await s.scalar(
                select(InviteCode.code).where(
                    InviteCode.programme_id == programme_id,
                    InviteCode.role == Role.COORDINATOR,
                    InviteCode.active,
                )
            )
            audit(s, programme_id, actor, "coordinator_invite", now=self._clock.now())
            return code

    async def audit_log(self, telegram_id: int, programme_id: int) -> list[tuple[str, int | None]]:
        """``(action, target person id)`` of the programme's audit entries, oldest first."""
        async with self._db.read() as s:
            await require_coordinator(s, telegram_id, programme_id)
            rows = await s.execute(
                select(AuditEntry.action, AuditEntry.target_id)
                .where(AuditEntry.programme_id == programme_id)
                .order_by(AuditEntry.id)
            )
            return [(action, target) for action, target in rows]

    async def _membership(
        self, s: AsyncSession, telegram_id: int, membership_id: int, *, lock: bool = False
    ) -> Membership:
        membership = await s.get(Membership, membership_id, with_for_update=lock)
        if membership is None:
            raise NotCoordinator(telegram_id)
        await require_coordinator(s, telegram_id, membership.programme_id)
        return membership


def _member(membership: Membership, person: Person) -> Member:
    return Member(
        membership.id,
        person.id,
        person.display_name or "—",
        membership.role,
        person.status,
        membership.deactivated_at is None,
    )


async def _programme_rows(s: AsyncSession, programme_id: int, *columns: Any) -> Any:
    """``columns`` of a table's rows in one programme, oldest first (the first is the id)."""
    table = columns[0].class_
    return await s.execute(
        select(*columns).where(table.programme_id == programme_id).order_by(columns[0])
    )


async def _notes_by(s: AsyncSession, person: Any, programme_id: int) -> dict[int, int]:
    """Gratitude notes per sender (or recipient) in a programme."""
    rows = await s.execute(
        select(person, func.count())
        .where(GratitudeNote.programme_id == programme_id)
        .group_by(person)
    )
    return {int(who): int(n) for who, n in rows}


async def _count(s: AsyncSession, model: type[Any], *where: Any) -> int:
    return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)
