"""A mentee's SMART goals: set in a short conversation, updated, celebrated, reminded.

Flow: the mentee says what they want to achieve, how they will know it is done, by when (a
date read by :func:`parse_due_date` in their own timezone: tomorrow at the earliest, two years
ahead at the most) and the first step; :meth:`GoalService.create` stores the goal and tells the
mentor. Progress comes in quarters (25/50/75/100 %) or as a note; 100 % or *done* closes the
goal and the mentor is told so it gets celebrated. A mentor sees the goals of their mentees in
the same programme and comments on them; the comment reaches the mentee through the outbox.

Every call takes the acting person's Telegram id and checks each goal id against it: a goal is
changed only by its mentee and commented only by that mentee's current mentor in the goal's
programme. Anything else is :class:`GoalRefused` (``not_yours``), unknown ids included.

Reminder policy (:func:`reminder_at`): one reminder, three days before the due date, at 09:00
in the mentee's timezone (at the end of their quiet hours when 09:00 falls inside them). A
goal set less than three days ahead — when that moment has already passed — is reminded on
the due day itself at the same hour instead. :meth:`GoalService.sweep` finds what is due
through the indexed ``remind_at`` and clears it in the same transaction as the outbox row, so
each reminder is sent once; a reminder found only after the due day (downtime) is dropped.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.i18n import t
from bot.services.outbox import enqueue_to
from bot.services.profile import clean_text
from bot.services.programmes import NotCoordinator, active_person_id
from bot.services.timezones import is_valid_zone
from storage.database import Database
from storage.models import (
    Goal,
    GoalNote,
    GoalStatus,
    Membership,
    Pairing,
    PairingStatus,
    Person,
    PersonStatus,
    Profile,
    Role,
)

log = logging.getLogger(__name__)

GOAL_TEXT_MAX = 300
NOTE_MAX = 1000
PROGRESS_STEPS = (25, 50, 75, 100)
MAX_YEARS_AHEAD = 2
REMIND_DAYS_BEFORE = 3
REMIND_HOUR = 9
DONE_SHOWN = 5  # finished goals listed under the active ones

# fmt: off
MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "enero": 1, "ene": 1,
    "february": 2, "feb": 2, "febrero": 2,
    "march": 3, "mar": 3, "marzo": 3,
    "april": 4, "apr": 4, "abril": 4, "abr": 4,
    "may": 5, "mayo": 5,
    "june": 6, "jun": 6, "junio": 6,
    "july": 7, "jul": 7, "julio": 7,
    "august": 8, "aug": 8, "agosto": 8, "ago": 8,
    "september": 9, "sep": 9, "sept": 9, "septiembre": 9, "setiembre": 9, "set": 9,
    "october": 10, "oct": 10, "octubre": 10,
    "november": 11, "nov": 11, "noviembre": 11,
    "december": 12, "dec": 12, "diciembre": 12, "dic": 12,
}
# fmt: on
_NUMERIC = re.compile(r"^(\d{1,4})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{1,4})$")
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th|o)\b")
_FILLERS = frozenset({"de", "del", "of", "the"})
_INPUT_MAX = 40


class GoalRefused(Exception):
    """A goal action that may not happen; ``reason`` is a catalog suffix (``goals.refused.*``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidDueDate(Exception):
    """A due date that is not accepted; ``reason``: format, no_such_day, past or too_far."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DueDateAnswer:
    """What a typed due date came to: the date, or why not (and the range that works)."""

    due_on: date | None
    problem: str | None
    earliest: date
    latest: date


@dataclass(frozen=True)
class GoalView:
    """A goal as its mentee and their mentor see it."""

    id: int
    what: str
    measure: str
    due_on: date
    first_step: str
    progress: int
    status: GoalStatus
    last_note: str | None


@dataclass(frozen=True)
class MenteeGoals:
    """One mentee's goals, as their mentor sees them."""

    mentee_id: int
    mentee_name: str
    goals: tuple[GoalView, ...]


@dataclass(frozen=True)
class MentorGoals:
    """What ``/goals`` shows a mentor: their mentees, and the goals of the one chosen."""

    mentees: tuple[tuple[int, str], ...]
    chosen: MenteeGoals | None


@dataclass(frozen=True)
class CommentTarget:
    """The goal a mentor is about to comment on."""

    goal_id: int
    what: str
    mentee_name: str


# --- dates ------------------------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _year(token: str) -> int:
    value = int(token)
    return 2000 + value if len(token) == 2 else value


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidDueDate("no_such_day") from None


def parse_date(text: str) -> date:
    """Read a calendar date as people type it (day before month, never US order).

    Accepted: ``2027-03-31``, ``2027/3/31``, ``31/03/2027``, ``31.3.2027``, ``31-3-27``,
    ``31 March 2027``, ``March 31st, 2027``, ``31 de marzo de 2027``, ``31 mar 2027``.

    Raises:
        InvalidDueDate: ``format`` when it is not a date in one of those forms,
            ``no_such_day`` for a well-formed date that does not exist (31/02/2027).
    """
    clean = " ".join(_fold(text).split())
    if not clean or len(clean) > _INPUT_MAX:
        raise InvalidDueDate("format")
    numeric = _NUMERIC.match(clean)
    if numeric:
        first, month, last = numeric.groups()
        if len(first) == 4 and len(last) <= 2:
            return _make(int(first), int(month), int(last))
        if len(first) <= 2 and len(last) in (2, 4):
            return _make(_year(last), int(month), int(first))
        raise InvalidDueDate("format")
    words = [
        w
        for w in _ORDINAL.sub("", clean.replace(",", " ").replace(".", " ")).split()
        if w not in _FILLERS
    ]
    if len(words) == 3 and len(words[2]) == 4 and words[2].isdigit():
        day, month = (words[0], words[1]) if words[0].isdigit() else (words[1], words[0])
        if day.isdigit() and len(day) <= 2 and month in MONTHS:
            return _make(int(words[2]), MONTHS[month], int(day))
    raise InvalidDueDate("format")


def format_day(day: date) -> str:
    """A date as both languages write it: day/month/year."""
    return day.strftime("%d/%m/%Y")


def latest_due(today: date) -> date:
    """The furthest due date accepted when the goal is set on ``today`` (two years on)."""
    try:
        return today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)


def parse_due_date(text: str, today: date) -> date:
    """A due date typed on ``today`` (the person's local date): after today, within 2 years.

    Raises:
        InvalidDueDate: ``format``, ``no_such_day``, ``past`` or ``too_far``.
    """
    due = parse_date(text)
    if due <= today:
        raise InvalidDueDate("past")
    if due > latest_due(today):
        raise InvalidDueDate("too_far")
    return due


def is_quiet(hour: int, quiet_start: int | None, quiet_end: int | None) -> bool:
    """Whether ``hour`` falls inside quiet hours ``[start, end)`` (equal ends: none)."""
    if quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= hour < quiet_end
    return hour >= quiet_start or hour < quiet_end


def reminder_at(
    due_on: date,
    zone: str,
    now: datetime,
    *,
    quiet_start: int | None = None,
    quiet_end: int | None = None,
) -> datetime | None:
    """When to remind about a goal due on ``due_on`` (UTC), or None when it is too late.

    Three days before at 09:00 local time; if that has passed already, on the due day at the
    same hour. 09:00 moves to the end of the person's quiet hours when it falls inside them.
    """
    hour = quiet_end if is_quiet(REMIND_HOUR, quiet_start, quiet_end) else REMIND_HOUR
    tz = ZoneInfo(zone)
    for day in (due_on - timedelta(days=REMIND_DAYS_BEFORE), due_on):
        moment = datetime.combine(day, time(hour or 0), tzinfo=tz).astimezone(UTC)
        if moment > now:
            return moment
    return None


# --- the service ------------------------------------------------------------------------


def _view(goal: Goal, last_note: str | None = None) -> GoalView:
    return GoalView(
        id=goal.id,
        what=goal.what,
        measure=goal.measure,
        due_on=goal.due_on,
        first_step=goal.first_step,
        progress=goal.progress,
        status=goal.status,
        last_note=last_note,
    )


def _note(
    s: AsyncSession,
    goal: Goal,
    author_id: int,
    kind: str,
    now: datetime,
    *,
    text: str | None = None,
    progress: int | None = None,
) -> GoalNote:
    """Add a progress mark, a note or a comment to ``goal`` (and touch the goal)."""
    goal.updated_at = now
    note = GoalNote(
        goal_id=goal.id,
        author_id=author_id,
        kind=kind,
        text=text,
        progress=progress,
        created_at=now,
    )
    s.add(note)
    return note


def _name(person: Person) -> str:
    return person.display_name or "—"


# Goals listed to their mentee and mentor (dropped ones are gone), active first by due date.
_LISTED = Goal.status != GoalStatus.DROPPED
_GOAL_ORDER = (case((Goal.status == GoalStatus.ACTIVE, 0), else_=1), Goal.due_on, Goal.id)
# The newest text note of the goal in the same row.
_LATEST_NOTE = (
    select(GoalNote.text)
    .where(GoalNote.goal_id == Goal.id, GoalNote.text.is_not(None))
    .order_by(GoalNote.id.desc())
    .limit(1)
    .correlate(Goal)
    .scalar_subquery()
)

# The statements of ``/goals``, built once and run with parameters (building one costs more
# CPU than running it). Each starts from the acting person — by Telegram id, never a deleted
# one — so an unknown or deleted person gets no row at all (refused, as before), and someone
# without goals or mentees a single row of Nones.

# ``mine``: (person id, goal, latest note); no goal: a single row with None.
_MINE = (
    select(Person.id, Goal, _LATEST_NOTE)
    .select_from(Person)
    .outerjoin(Goal, (Goal.mentee_id == Person.id) & _LISTED)
    .where(Person.telegram_id == bindparam("telegram_id"), Person.status != PersonStatus.DELETED)
    .order_by(*_GOAL_ORDER)
)


def _mentor_query(chosen: ColumnElement[bool]) -> Select[tuple[Any, ...]]:
    """``for_mentor``: (pairing id, mentee id, mentee name, goal, latest note) for each active
    pair of the mentor, oldest first, with the goals of that pair's programme joined for the
    pairs where ``chosen`` holds (None for the others and for a mentor without mentees)."""
    mentor, mentee = aliased(Person, name="mentor"), aliased(Person, name="mentee")
    return (
        select(Pairing.id, mentee.id, mentee.display_name, Goal, _LATEST_NOTE)
        .select_from(mentor)
        .outerjoin(
            Pairing, (Pairing.mentor_id == mentor.id) & (Pairing.status == PairingStatus.ACTIVE)
        )
        .outerjoin(mentee, mentee.id == Pairing.mentee_id)
        .outerjoin(
            Goal,
            (Goal.mentee_id == Pairing.mentee_id)
            & (Goal.programme_id == Pairing.programme_id)
            & _LISTED
            & chosen,
        )
        .where(
            mentor.telegram_id == bindparam("telegram_id"),
            mentor.status != PersonStatus.DELETED,
        )
        .order_by(Pairing.started_at, Pairing.id, *_GOAL_ORDER)
    )


_OTHERS = aliased(Pairing, name="others")
# The goals of the mentee asked for (``mentee_id``) ...
_MENTEE_CHOSEN = _mentor_query(Pairing.mentee_id == bindparam("mentee_id"))
# ... or of the mentor's only mentee, shown at once.
_ONLY_MENTEE = _mentor_query(
    select(func.count())
    .select_from(_OTHERS)
    .where(_OTHERS.mentor_id == Pairing.mentor_id, _OTHERS.status == PairingStatus.ACTIVE)
    .correlate(Pairing)
    .scalar_subquery()
    == 1
)


class GoalService:
    """Goals and their notes, one transaction per call."""

    def __init__(self, db: Database, clock: Clock, *, default_timezone: str = "UTC") -> None:
        self._db = db
        self._clock = clock
        self._default_zone = default_timezone if is_valid_zone(default_timezone) else "UTC"

    def _zone(self, person: Person) -> str:
        zone = person.timezone
        return zone if zone and is_valid_zone(zone) else self._default_zone

    def _today(self, person: Person) -> date:
        return self._clock.now().astimezone(ZoneInfo(self._zone(person))).date()

    async def _person(self, s: AsyncSession, telegram_id: int) -> Person:
        try:
            person = await s.get(Person, await active_person_id(s, telegram_id))
        except NotCoordinator:
            raise GoalRefused("not_yours") from None
        assert person is not None
        return person

    async def _mentee_programme(self, s: AsyncSession, person_id: int) -> int:
        """The programme a new goal belongs to: the one with a mentor first."""
        paired = await s.scalar(
            select(Pairing.programme_id)
            .where(Pairing.mentee_id == person_id, Pairing.status == PairingStatus.ACTIVE)
            .order_by(Pairing.started_at)
        )
        if paired is not None:
            return paired
        programme_id = await s.scalar(
            select(Membership.programme_id)
            .where(Membership.person_id == person_id, Membership.role == Role.MENTEE)
            .order_by(Membership.programme_id)
        )
        if programme_id is None:
            raise GoalRefused("not_mentee")
        return programme_id

    async def _mentor_of(self, s: AsyncSession, goal: Goal) -> Person | None:
        return await s.scalar(
            select(Person)
            .join(Pairing, Pairing.mentor_id == Person.id)
            .where(
                Pairing.programme_id == goal.programme_id,
                Pairing.mentee_id == goal.mentee_id,
                Pairing.status == PairingStatus.ACTIVE,
            )
        )

    async def _own_goal(self, s: AsyncSession, telegram_id: int, goal_id: int) -> Goal:
        """The acting mentee's goal, locked for the change; anyone else's is refused."""
        person = await self._person(s, telegram_id)
        goal = await s.get(Goal, goal_id, with_for_update=True)
        if goal is None or goal.mentee_id != person.id:
            raise GoalRefused("not_yours")
        return goal

    async def _open_goal(self, s: AsyncSession, telegram_id: int, goal_id: int) -> Goal:
        goal = await self._own_goal(s, telegram_id, goal_id)
        if goal.status != GoalStatus.ACTIVE:
            raise GoalRefused("closed")
        return goal

    async def _last_notes(self, s: AsyncSession, goal_ids: list[int]) -> dict[int, str]:
        if not goal_ids:
            return {}
        notes = await s.execute(
            select(GoalNote.goal_id, GoalNote.text)
            .where(GoalNote.goal_id.in_(goal_ids), GoalNote.text.is_not(None))
            .order_by(GoalNote.goal_id, GoalNote.id)
        )
        return {goal_id: text for goal_id, text in notes}  # the newest wins

    @staticmethod
    def _shown(rows: Iterable[tuple[Goal, str | None]]) -> tuple[GoalView, ...]:
        """Active goals as given (by due date), then the latest finished ones."""
        listed = list(rows)
        active = [(g, note) for g, note in listed if g.status == GoalStatus.ACTIVE]
        done = sorted(
            ((g, note) for g, note in listed if g.status == GoalStatus.DONE),
            key=lambda row: (row[0].done_at or row[0].updated_at, row[0].id),
            reverse=True,
        )[:DONE_SHOWN]
        return tuple(_view(g, note) for g, note in active + done)

    # -- the mentee ----------------------------------------------------------------------

    async def read_due_date(self, telegram_id: int, text: str) -> DueDateAnswer:
        """Check a typed due date against the person's own calendar (their timezone)."""
        async with self._db.read() as s:
            today = self._today(await self._person(s, telegram_id))
        earliest, latest = today + timedelta(days=1), latest_due(today)
        try:
            return DueDateAnswer(parse_due_date(text, today), None, earliest, latest)
        except InvalidDueDate as problem:
            return DueDateAnswer(None, problem.reason, earliest, latest)

    async def create(
        self, telegram_id: int, *, what: str, measure: str, due_on: date, first_step: str
    ) -> GoalView:
        """Store a new goal, schedule its reminder and tell the mentor (if there is one).

        Raises:
            GoalRefused: ``not_mentee`` for someone who is nobody's mentee.
            InvalidDueDate: when ``due_on`` is no longer acceptable (the day changed).
            profile.InvalidInput: when a text does not fit.
        """
        now = self._clock.now()
        texts = [clean_text(v, maximum=GOAL_TEXT_MAX) for v in (what, measure, first_step)]
        async with self._db.session() as s:
            person = await self._person(s, telegram_id)
            parse_due_date(due_on.isoformat(), self._today(person))
            profile = await s.get(Profile, person.id)
            goal = Goal(
                programme_id=await self._mentee_programme(s, person.id),
                mentee_id=person.id,
                what=texts[0],
                measure=texts[1],
                due_on=due_on,
                first_step=texts[2],
                progress=0,
                status=GoalStatus.ACTIVE,
                created_at=now,
                updated_at=now,
                remind_at=reminder_at(
                    due_on,
                    self._zone(person),
                    now,
                    quiet_start=profile.quiet_start if profile else None,
                    quiet_end=profile.quiet_end if profile else None,
                ),
            )
            s.add(goal)
            await s.flush()
            mentor = await self._mentor_of(s, goal)
            if mentor is not None:
                self._tell(s, mentor, "goals.new_for_mentor", person, goal, now, f"new:{goal.id}")
            log.info("goal_created goal=%s mentee=%s", goal.id, person.id)
            return _view(goal)

    async def mine(self, telegram_id: int) -> tuple[GoalView, ...]:
        """The mentee's goals: active first (soonest due first), then the latest done.

        One statement: the person outer-joined with their goals and each one's latest note.

        Raises:
            GoalRefused: ``not_yours`` when nobody (any more) has this Telegram id.
        """
        async with self._db.read() as s:
            rows = (await s.execute(_MINE, {"telegram_id": telegram_id})).all()
            if not rows:
                raise GoalRefused("not_yours")
            return self._shown((goal, note) for _, goal, note in rows if goal is not None)

    async def goal(self, telegram_id: int, goal_id: int) -> GoalView:
        """One of the mentee's own goals.

        Raises:
            GoalRefused: ``not_yours`` for anyone else's goal or an unknown id.
        """
        async with self._db.read() as s:
            person = await self._person(s, telegram_id)
            goal = await s.get(Goal, goal_id)
            if goal is None or goal.mentee_id != person.id or goal.status == GoalStatus.DROPPED:
                raise GoalRefused("not_yours")
            return _view(goal, (await self._last_notes(s, [goal.id])).get(goal.id))

    async def set_progress(self, telegram_id: int, goal_id: int, percent: int) -> GoalView:
        """Record progress; 100 % finishes the goal and the mentor is told.

        Raises:
            GoalRefused: ``not_yours``, ``closed`` (no longer active) or ``bad_progress``.
        """
        if percent not in PROGRESS_STEPS:
            raise GoalRefused("bad_progress")
        now = self._clock.now()
        async with self._db.session() as s:
            goal = await self._open_goal(s, telegram_id, goal_id)
            goal.progress = percent
            _note(s, goal, goal.mentee_id, "progress", now, progress=percent)
            if percent == 100:
                await self._close_done(s, goal, now)
            return _view(goal)

    async def mark_done(self, telegram_id: int, goal_id: int) -> GoalView:
        """The mentee says the goal is reached: done at 100 %, and the mentor is told.

        Raises:
            GoalRefused: ``not_yours`` or ``closed``.
        """
        return await self.set_progress(telegram_id, goal_id, 100)

    async def _close_done(self, s: AsyncSession, goal: Goal, now: datetime) -> None:
        goal.status, goal.done_at, goal.remind_at = GoalStatus.DONE, now, None
        mentee = await s.get(Person, goal.mentee_id)
        mentor = await self._mentor_of(s, goal)
        if mentor is not None and mentee is not None:
            self._tell(s, mentor, "goals.done_for_mentor", mentee, goal, now, f"done:{goal.id}")
        log.info("goal_done goal=%s mentee=%s", goal.id, goal.mentee_id)

    async def add_note(self, telegram_id: int, goal_id: int, text: str) -> GoalView:
        """A note from the mentee on how it goes (their mentor sees it with the goal).

        Raises:
            GoalRefused: ``not_yours`` or ``closed``.
            profile.InvalidInput: when the text does not fit.
        """
        note = clean_text(text, maximum=NOTE_MAX)
        now = self._clock.now()
        async with self._db.session() as s:
            goal = await self._open_goal(s, telegram_id, goal_id)
            _note(s, goal, goal.mentee_id, "note", now, text=note)
            return _view(goal, note)

    async def drop(self, telegram_id: int, goal_id: int) -> GoalView:
        """The mentee lets a goal go: no reminder, no longer listed.

        Raises:
            GoalRefused: ``not_yours`` or ``closed``.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            goal = await self._open_goal(s, telegram_id, goal_id)
            goal.status, goal.remind_at, goal.updated_at = GoalStatus.DROPPED, None, now
            log.info("goal_dropped goal=%s mentee=%s", goal.id, goal.mentee_id)
            return _view(goal)

    # -- the mentor ----------------------------------------------------------------------

    async def for_mentor(self, telegram_id: int, mentee_id: int | None = None) -> MentorGoals:
        """The mentor's mentees and the goals of ``mentee_id`` (or of the only one).

        One statement: the mentor outer-joined with their active pairs, each mentee's name
        and, for the chosen mentee only, the goals of that pair's programme.

        Raises:
            GoalRefused: ``not_yours`` when ``mentee_id`` is not this mentor's mentee now.
        """
        query, params = (
            (_ONLY_MENTEE, {"telegram_id": telegram_id})
            if mentee_id is None
            else (_MENTEE_CHOSEN, {"telegram_id": telegram_id, "mentee_id": mentee_id})
        )
        async with self._db.read() as s:
            rows = (await s.execute(query, params)).all()
            if not rows:
                raise GoalRefused("not_yours")
            pairs: dict[int, tuple[int, str]] = {}  # pairing id -> mentee, oldest pair first
            goals: dict[int, list[tuple[Goal, str | None]]] = {}
            for pairing_id, person_id, name, goal, note in rows:
                if pairing_id is None:
                    continue  # a mentor without mentees: the one row has no pair
                pairs.setdefault(pairing_id, (person_id, name or "—"))
                if goal is not None:
                    goals.setdefault(pairing_id, []).append((goal, note))
            mentees = tuple(pairs.values())
            if mentee_id is None and len(mentees) == 1:
                mentee_id = mentees[0][0]
            if mentee_id is None:
                return MentorGoals(mentees, None)
            found = [pid for pid, (person_id, _) in pairs.items() if person_id == mentee_id]
            if not found:
                raise GoalRefused("not_yours")
            chosen_id, chosen_name = pairs[found[0]]
            shown = self._shown(goals.get(found[0], ()))
            return MentorGoals(mentees, MenteeGoals(chosen_id, chosen_name, shown))

    async def _mentored_goal(
        self, s: AsyncSession, telegram_id: int, goal_id: int
    ) -> tuple[Person, Goal, Person]:
        """(mentor, goal, mentee) when the goal's mentee is this mentor's mentee there now."""
        mentor = await self._person(s, telegram_id)
        goal = await s.get(Goal, goal_id)
        if goal is None or goal.status == GoalStatus.DROPPED:
            raise GoalRefused("not_yours")
        current = await self._mentor_of(s, goal)
        mentee = await s.get(Person, goal.mentee_id)
        if current is None or current.id != mentor.id or mentee is None:
            raise GoalRefused("not_yours")
        return mentor, goal, mentee

    async def comment_target(self, telegram_id: int, goal_id: int) -> CommentTarget:
        """The goal a mentor wants to comment on, checked before they type anything.

        Raises:
            GoalRefused: ``not_yours`` unless it is a goal of this mentor's current mentee.
        """
        async with self._db.read() as s:
            _, goal, mentee = await self._mentored_goal(s, telegram_id, goal_id)
            return CommentTarget(goal.id, goal.what, _name(mentee))

    async def comment(self, telegram_id: int, goal_id: int, text: str) -> CommentTarget:
        """The mentor's comment on a goal: stored and sent to the mentee.

        Raises:
            GoalRefused: ``not_yours`` unless it is a goal of this mentor's current mentee.
            profile.InvalidInput: when the text does not fit.
        """
        words = clean_text(text, maximum=NOTE_MAX)
        now = self._clock.now()
        async with self._db.session() as s:
            mentor, goal, mentee = await self._mentored_goal(s, telegram_id, goal_id)
            note = _note(s, goal, mentor.id, "comment", now, text=words)
            await s.flush()
            lang = mentee.language
            enqueue_to(
                s,
                mentee,
                kind="goal_comment",
                payload={
                    "text": t(
                        lang,
                        "goals.comment_for_mentee",
                        name=_name(mentor),
                        what=goal.what,
                        comment=words,
                    ),
                    "buttons": [
                        [{"text": t(lang, "goals.open"), "callback_data": f"gl:v:{goal.id}"}]
                    ],
                },
                dedupe_key=f"goal:comment:{note.id}",
                now=now,
            )
            log.info("goal_comment goal=%s mentor=%s", goal.id, mentor.id)
            return CommentTarget(goal.id, goal.what, _name(mentee))

    def _tell(
        self,
        s: AsyncSession,
        whom: Person,
        key: str,
        about: Person,
        goal: Goal,
        now: datetime,
        dedupe: str,
    ) -> None:
        enqueue_to(
            s,
            whom,
            kind="goal_update",
            payload={"text": t(whom.language, key, name=_name(about), what=goal.what)},
            dedupe_key=f"goal:{dedupe}",
            now=now,
        )

    # -- the minute sweep ----------------------------------------------------------------

    async def sweep(self, *, batch: int = 500) -> int:
        """Send the deadline reminders that are due. Returns how many goals it handled.

        Reads only goals whose ``remind_at`` has come (an indexed range) and clears it in the
        same transaction as the reminder, so each goal is reminded once.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            due = (
                await s.execute(
                    select(Goal, Person)
                    .join(Person, Person.id == Goal.mentee_id)
                    .where(Goal.remind_at <= now)
                    .order_by(Goal.remind_at)
                    .limit(batch)
                    .with_for_update(of=Goal, skip_locked=True)
                )
            ).all()
            for goal, mentee in due:
                goal.remind_at = None
                days = (goal.due_on - self._today(mentee)).days
                if goal.status != GoalStatus.ACTIVE or days < 0:
                    continue  # finished, or found only after its day (downtime): too late
                if mentee.status != PersonStatus.ACTIVE:
                    continue  # paused people get no scheduled prompts
                lang = mentee.language
                key = "goals.reminder_today" if days == 0 else "goals.reminder"
                enqueue_to(
                    s,
                    mentee,
                    kind="goal_reminder",
                    payload={
                        "text": t(lang, key, what=goal.what, due=format_day(goal.due_on)),
                        "buttons": [
                            [{"text": t(lang, "goals.open"), "callback_data": f"gl:v:{goal.id}"}]
                        ],
                    },
                    dedupe_key=f"goal:reminder:{goal.id}",
                    now=now,
                )
                log.info("goal_reminded goal=%s mentee=%s", goal.id, mentee.id)
            return len(due)
