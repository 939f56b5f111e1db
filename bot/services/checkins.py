"""Scheduled check-ins: the mentee's weekly pulse, the monthly pair check-in, the mentor's
weekly digest, and the reminders "profile unfinished" and "mentee still unmatched".

Schedule (``storage.models.Schedule``, one row per person and kind, indexed ``next_due_at``):
rows appear when they become relevant — consent adds ``profile`` (2 days on), finishing
onboarding adds ``pulse``/``pair``/``unmatched`` for mentees and ``nudge``/``pair`` for
mentors (:func:`plan_after_onboarding`), and a changed timezone, day, hour or quiet hours
asks for a new plan (:func:`replan`). Those hooks only mark a row ``step = REPLAN`` and due
now; the sweep works out the real time, so the hooks need neither the clock's zone rules nor
the programme's cadence.

Times (:func:`next_occurrence`): the person's preferred weekday and hour (Monday 09:00 when
unset) in their own IANA zone, computed in local time so a daylight-saving change keeps the
local hour; an hour inside quiet hours moves to the end of them. Pulse and digest repeat with
the programme's cadence (1, 2 or 4 weeks); the pair check-in comes at the first such slot of
each calendar month. Pulse and pair (or digest and pair) therefore meet on one day once a
month and go out merged as one message: nobody gets more than one scheduled prompt a day.

The sweep (:meth:`CheckinService.sweep`, every minute) claims due rows in batches with
``FOR UPDATE SKIP LOCKED``, groups them per person, inserts one ``CheckIn`` (unique per
person/kind/period and per person/local day — the claim) and its outbox row in a SAVEPOINT,
and advances every row past *now*. After downtime only the latest missed occurrence is
considered, and it is sent only while it is less than :data:`CATCH_UP` old (a late prompt
the same or next day is welcome; one from last week is noise) — never a backlog. Paused or
blocked people are skipped (their rows advance), quiet hours postpone a late prompt.

Answers: the pulse is one tap (1–5), then optional "anything blocking you?" (text, voice note,
skip, or "it's about my wellbeing") and "would you like your mentor to reach out?". A score of
2 or less, or a yes, raises a ``Flag`` and tells the mentor; a 1 twice in a row or a wellbeing
concern also tells the programme's coordinators. The pair check-in's *Need help* tells the
coordinators. The digest's *Seen* marks its gratitude notes seen. Every id in a call is
checked against the acting person: anything else is :class:`CheckinRefused` (``not_yours``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.clock import Clock
from bot.i18n import Safe, t
from bot.services.goals import format_day, is_quiet
from bot.services.outbox import PRIORITY_NOTICE, enqueue_once, enqueue_to
from bot.services.profile import clean_text
from bot.services.programmes import (
    NotCoordinator,
    ProgrammeSettings,
    active_person_id,
    tell_coordinators,
)
from bot.services.timezones import is_valid_zone
from storage.database import Database
from storage.models import (
    CheckIn,
    Flag,
    Goal,
    GoalStatus,
    GratitudeNote,
    Membership,
    Pairing,
    PairingStatus,
    Person,
    PersonStatus,
    Programme,
    Question,
    QuestionStatus,
    Role,
    Schedule,
)

log = logging.getLogger(__name__)

PULSE, PAIR, NUDGE, PROFILE, UNMATCHED = "pulse", "pair", "nudge", "profile", "unmatched"
PROMPTS = (PULSE, PAIR, NUDGE)  # merged into one message, in this order
REPLAN = -1  # Schedule.step of a prompt row whose time the sweep must work out again
DEFAULT_DAY, DEFAULT_HOUR = 0, 9
CADENCE_WEEKS = {"weekly": 1, "fortnightly": 2, "monthly": 4}
CATCH_UP = timedelta(hours=48)
PROFILE_AFTER = timedelta(days=2)
UNMATCHED_AFTER = (timedelta(days=7), timedelta(days=14))
PAIR_MIN_AGE = timedelta(days=7)  # "did you two talk this month?" makes no sense on day 2
GOALS_SOON = timedelta(days=7)
CURRENT_FOR = timedelta(days=14)  # how long /checkin shows the last prompt as current
BLOCKING_MAX = 1000
LOW_SCORE = 2
PAIR_ANSWERS = {"y": "yes", "n": "not_yet", "h": "need_help"}


class CheckinRefused(Exception):
    """Not this person's check-in (or not any more); ``reason`` is ``checkins.refused.*``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- when ------------------------------------------------------------------------------


def _slot(day: date, hour: int, tz: ZoneInfo, quiet: tuple[int | None, int | None]) -> datetime:
    """``hour`` on ``day`` in ``tz`` as UTC, moved to the end of quiet hours when inside."""
    start, end = quiet
    moment = datetime.combine(day, time(hour))
    if start is not None and end is not None and is_quiet(hour, start, end):
        # The end of the quiet period containing this hour: the next morning for an evening
        # hour of a period that wraps midnight, else the same day.
        later = day + timedelta(days=1) if start > end and hour >= start else day
        moment = datetime.combine(later, time(end))
    # A local time that does not exist (spring forward) takes the offset before the change,
    # i.e. lands just after the gap; an ambiguous one (fall back) is its first occurrence.
    return moment.replace(tzinfo=tz).astimezone(UTC)


def next_occurrence(
    after: datetime,
    zone: str,
    day: int | None = None,
    hour: int | None = None,
    quiet_start: int | None = None,
    quiet_end: int | None = None,
) -> datetime:
    """The first weekly slot strictly after ``after`` (UTC): ``day`` (0 = Monday) at ``hour``
    local time in ``zone``, at the end of quiet hours when the hour falls inside them."""
    tz = ZoneInfo(zone)
    weekday = DEFAULT_DAY if day is None else day
    at_hour = DEFAULT_HOUR if hour is None else hour
    # From the day before: the quiet-hours shift may move a slot into the next day.
    first = after.astimezone(tz).date() - timedelta(days=1)
    first += timedelta(days=(weekday - first.weekday()) % 7)
    for week in range(4):
        moment = _slot(first + timedelta(weeks=week), at_hour, tz, (quiet_start, quiet_end))
        if moment > after:
            return moment
    raise AssertionError("no weekly slot within four weeks")  # pragma: no cover


def next_monthly(
    after: datetime,
    zone: str,
    day: int | None = None,
    hour: int | None = None,
    quiet_start: int | None = None,
    quiet_end: int | None = None,
) -> datetime:
    """The first weekly slot of a calendar month (local) strictly after ``after``."""
    tz = ZoneInfo(zone)
    local = after.astimezone(tz)
    month = date(local.year, local.month, 1)
    for _ in range(3):
        midnight = datetime.combine(month, time(0)).replace(tzinfo=tz).astimezone(UTC)
        first = next_occurrence(
            midnight - timedelta(microseconds=1), zone, day, hour, quiet_start, quiet_end
        )
        if first > after:
            return first
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    raise AssertionError("no monthly slot within three months")  # pragma: no cover


def period_of(kind: str, local_day: date) -> str:
    """The period a prompt of ``kind`` on ``local_day`` belongs to: ISO week, or month."""
    if kind == PAIR:
        return f"{local_day.year:04d}-{local_day.month:02d}"
    year, week, _ = local_day.isocalendar()
    return f"{year:04d}-W{week:02d}"


@dataclass(frozen=True)
class Preferences:
    """Where and when a person likes their prompts."""

    zone: str
    day: int | None = None
    hour: int | None = None
    quiet_start: int | None = None
    quiet_end: int | None = None

    def next(self, kind: str, after: datetime) -> datetime:
        """The next slot of ``kind`` strictly after ``after``."""
        compute = next_monthly if kind == PAIR else next_occurrence
        return compute(after, self.zone, self.day, self.hour, self.quiet_start, self.quiet_end)

    def local_day(self, moment: datetime) -> date:
        """The person's calendar date at ``moment``."""
        return moment.astimezone(ZoneInfo(self.zone)).date()

    def quiet_now(self, moment: datetime) -> datetime | None:
        """The end of the quiet hours ``moment`` falls in, or None outside them."""
        tz = ZoneInfo(self.zone)
        local = moment.astimezone(tz)
        if not is_quiet(local.hour, self.quiet_start, self.quiet_end):
            return None
        assert self.quiet_start is not None and self.quiet_end is not None
        return _slot(local.date(), local.hour, tz, (self.quiet_start, self.quiet_end))


def _interval(kind: str, weeks: int) -> timedelta:
    """How far past the last slot the next one must be (pair: the next month's first)."""
    return timedelta(0) if kind == PAIR else timedelta(weeks=weeks - 1)


# --- the hooks (called inside other services' transactions) ------------------------------


def _upsert(
    s: AsyncSession, existing: Schedule | None, person_id: int, kind: str, due: datetime, step: int
) -> None:
    if existing is None:
        s.add(Schedule(person_id=person_id, kind=kind, next_due_at=due, step=step, updated_at=due))
    else:
        existing.next_due_at, existing.step, existing.updated_at = due, step, due


async def plan_after_consent(s: AsyncSession, person_id: int, now: datetime) -> None:
    """A new person: remind them once if their profile is still unfinished in two days."""
    existing = await s.get(Schedule, (person_id, PROFILE))
    _upsert(s, existing, person_id, PROFILE, now + PROFILE_AFTER, 0)


async def plan_after_onboarding(
    s: AsyncSession, person_id: int, roles: Iterable[Role], now: datetime
) -> None:
    """The prompts a person with these roles gets, planned by the next sweep."""
    roles = set(roles)
    kinds: list[str] = []
    if Role.MENTEE in roles:
        kinds += [PULSE, PAIR]
    if Role.MENTOR in roles:
        kinds += [NUDGE, PAIR]
    for kind in dict.fromkeys(kinds):
        _upsert(s, await s.get(Schedule, (person_id, kind)), person_id, kind, now, REPLAN)
    if Role.MENTEE in roles and await s.get(Schedule, (person_id, UNMATCHED)) is None:
        joined = await s.scalar(
            select(func.min(Membership.joined_at)).where(
                Membership.person_id == person_id, Membership.role == Role.MENTEE
            )
        )
        due = (joined or now) + UNMATCHED_AFTER[0]
        _upsert(s, None, person_id, UNMATCHED, due, 0)


async def replan(s: AsyncSession, person_id: int, now: datetime) -> None:
    """Their timezone, day, hour or quiet hours changed: the sweep plans their prompts again."""
    await s.execute(
        update(Schedule)
        .where(Schedule.person_id == person_id, Schedule.kind.in_(PROMPTS))
        .values(next_due_at=now, step=REPLAN, updated_at=now)
    )


# --- what the person sees ------------------------------------------------------------------


@dataclass(frozen=True)
class PairLine:
    """One pair in a pair check-in: the other side and what was answered."""

    pairing_id: int
    name: str
    answer: str | None


@dataclass(frozen=True)
class Digest:
    """A mentor's weekly digest (ids and names only; texts are rendered at send time)."""

    questions: tuple[tuple[str, int], ...] = ()  # (mentee name, days waiting)
    pulses: tuple[tuple[str, int], ...] = ()  # (mentee name, last score)
    goals: tuple[tuple[str, str, date], ...] = ()  # (mentee name, goal, due on)
    notes: tuple[tuple[str, str], ...] = ()  # (sender name, text)
    note_ids: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.questions or self.goals or self.notes or self.pulses)


@dataclass(frozen=True)
class Prompt:
    """A check-in as it is shown: which parts it has and what was answered so far."""

    id: int
    parts: tuple[str, ...]
    score: int | None = None
    blocking_done: bool = False
    reach_out: str | None = None
    has_mentor: bool = False
    pairs: tuple[PairLine, ...] = ()
    digest: Digest = field(default_factory=Digest)
    seen: bool = False
    sent_on: date | None = None


def render(lang: str, prompt: Prompt) -> dict[str, Any]:
    """The message of a prompt (text and buttons), for the outbox and for ``/checkin``."""
    texts: list[str] = []
    rows: list[list[dict[str, str]]] = []
    if PULSE in prompt.parts:
        texts.append(t(lang, "checkins.pulse.ask"))
        if prompt.score is not None:
            texts.append(t(lang, "checkins.pulse.answered", score=prompt.score))
        rows.append(
            [
                {"text": t(lang, f"checkins.score.{n}"), "callback_data": f"ck:s:{prompt.id}:{n}"}
                for n in range(1, 6)
            ]
        )
    if PAIR in prompt.parts:
        for line in prompt.pairs:
            text = t(lang, "checkins.pair.ask", name=line.name)
            if line.answer:
                text += " " + t(lang, f"checkins.pair.answered.{line.answer}")
            texts.append(text)
            rows.append(
                [
                    {
                        "text": t(lang, f"checkins.pair.{answer}"),
                        "callback_data": f"ck:p:{prompt.id}:{line.pairing_id}:{code}",
                    }
                    for code, answer in PAIR_ANSWERS.items()
                ]
            )
    if NUDGE in prompt.parts:
        texts.append(render_digest(lang, prompt.digest))
        if not prompt.seen:
            rows.append([{"text": t(lang, "checkins.seen"), "callback_data": f"ck:v:{prompt.id}"}])
    payload: dict[str, Any] = {"text": "\n\n".join(texts)}
    if rows:
        payload["buttons"] = rows
    return payload


def render_digest(lang: str, digest: Digest) -> str:
    """The digest's text: only the sections that have something in them."""
    lines = [t(lang, "checkins.digest.title")]
    if digest.questions:
        lines.append(t(lang, "checkins.digest.questions"))
        lines += [
            t(lang, "checkins.digest.question", name=name, days=days)
            for name, days in digest.questions
        ]
    if digest.pulses:
        lines.append(t(lang, "checkins.digest.pulses"))
        lines += [
            t(lang, "checkins.digest.pulse", name=name, score=score)
            for name, score in digest.pulses
        ]
    if digest.goals:
        lines.append(t(lang, "checkins.digest.goals"))
        lines += [
            t(lang, "checkins.digest.goal", name=name, what=what, due=format_day(due))
            for name, what, due in digest.goals
        ]
    if digest.notes:
        lines.append(t(lang, "checkins.digest.notes"))
        lines += [
            t(lang, "checkins.digest.note", name=name, text=text) for name, text in digest.notes
        ]
    if len(lines) == 1:
        lines.append(t(lang, "checkins.digest.empty"))
    return "\n".join(lines)


@dataclass(frozen=True)
class PulseAnswer:
    """Where the pulse conversation stands after an answer."""

    prompt: Prompt
    ask_blocking: bool
    ask_reach_out: bool


@dataclass(frozen=True)
class SettingsView:
    """What ``/settings`` shows besides the profile fields: the next prompt, the pause."""

    next_prompt: datetime | None
    zone: str
    paused: bool


# --- the service ---------------------------------------------------------------------------


def _name(person: Person | None) -> str:
    return (person.display_name if person else None) or "—"


class CheckinService:
    """Check-ins, digests and reminders: the sweep and the answers, one transaction a call."""

    def __init__(self, db: Database, clock: Clock, *, default_timezone: str = "UTC") -> None:
        self._db = db
        self._clock = clock
        self._default_zone = default_timezone if is_valid_zone(default_timezone) else "UTC"

    def preferences(self, person: Person) -> Preferences:
        """The person's zone, day, hour and quiet hours (defaults where unset)."""
        zone = person.timezone if person.timezone and is_valid_zone(person.timezone) else None
        profile = person.profile
        return Preferences(
            zone=zone or self._default_zone,
            day=profile.checkin_day if profile else None,
            hour=profile.checkin_hour if profile else None,
            quiet_start=profile.quiet_start if profile else None,
            quiet_end=profile.quiet_end if profile else None,
        )

    # -- the sweep ------------------------------------------------------------------------

    async def backfill(self) -> int:
        """Schedule rows for onboarded people who have none (e.g. they joined before check-ins
        existed, or a row was lost): one set-based insert per kind, run once at start.

        Returns:
            How many rows were added (each due now, planned by the next sweep).
        """
        now = self._clock.now()
        added = 0
        async with self._db.session() as s:
            for kind, roles in ((PULSE, (Role.MENTEE,)), (NUDGE, (Role.MENTOR,)),
                                (PAIR, (Role.MENTEE, Role.MENTOR))):  # fmt: skip
                missing = select(
                    Person.id,
                    literal(kind),
                    literal(now, type_=Schedule.next_due_at.type),
                    literal(REPLAN),
                    literal(now, type_=Schedule.updated_at.type),
                ).where(
                    Person.onboarded_at.is_not(None),
                    Person.status != PersonStatus.DELETED,
                    select(Membership.id)
                    .where(
                        Membership.person_id == Person.id,
                        Membership.role.in_(roles),
                        Membership.deactivated_at.is_(None),
                    )
                    .exists(),
                    ~select(Schedule.person_id)
                    .where(Schedule.person_id == Person.id, Schedule.kind == kind)
                    .exists(),
                )
                result = await s.execute(
                    insert(Schedule).from_select(
                        ["person_id", "kind", "next_due_at", "step", "updated_at"], missing
                    )
                )
                added += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
        if added:
            log.info("checkins_backfilled rows=%d", added)
        return added

    async def sweep(self, *, batch: int = 200) -> int:
        """Send what is due (merged per person), advance it. Returns how many people."""
        now = self._clock.now()
        async with self._db.session() as s:
            rows = list(
                await s.scalars(
                    select(Schedule)
                    .where(Schedule.next_due_at <= now)
                    .order_by(Schedule.next_due_at)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            if not rows:
                return 0
            ids = {row.person_id for row in rows}
            # A person's other due rows join this message even beyond the batch's edge.
            rows += await s.scalars(
                select(Schedule)
                .where(Schedule.person_id.in_(ids), Schedule.next_due_at <= now)
                .with_for_update(skip_locked=True)
            )
            due: dict[int, dict[str, Schedule]] = defaultdict(dict)
            for row in rows:
                due[row.person_id][row.kind] = row
            people = {
                p.id: p
                for p in await s.scalars(
                    select(Person)
                    .where(Person.id.in_(ids))
                    .options(selectinload(Person.profile), selectinload(Person.memberships))
                )
            }
            cadences: dict[int, int] = {}
            for person_id, schedules in due.items():
                person = people.get(person_id)
                if person is None or person.telegram_id is None:
                    for row in schedules.values():
                        await s.delete(row)
                    continue
                await self._reminders(s, person, schedules, now)
                prompts = {k: v for k, v in schedules.items() if k in PROMPTS}
                if prompts:
                    await self._prompt(s, person, prompts, now, cadences)
            return len(due)

    async def _weeks(self, s: AsyncSession, person: Person, cache: dict[int, int]) -> int:
        """The cadence (in weeks) of the person's first programme."""
        programme_id = min((m.programme_id for m in person.memberships), default=None)
        if programme_id is None:
            return 1
        if programme_id not in cache:
            raw = await s.scalar(select(Programme.settings).where(Programme.id == programme_id))
            cadence = ProgrammeSettings.from_json(raw or {}).checkin_cadence
            cache[programme_id] = CADENCE_WEEKS.get(cadence, 1)
        return cache[programme_id]

    async def _recent(self, s: AsyncSession, person_id: int, now: datetime) -> list[CheckIn]:
        return list(
            await s.scalars(
                select(CheckIn).where(
                    CheckIn.person_id == person_id, CheckIn.sent_at >= now - timedelta(days=40)
                )
            )
        )

    def _plan(
        self, prefs: Preferences, kind: str, after: datetime, recent: Sequence[CheckIn]
    ) -> datetime:
        """The next slot after ``after`` that is not a day or a period already prompted."""
        days = {c.local_day for c in recent}
        periods = {c.details.get("periods", {}).get(kind) for c in recent} | {
            c.period for c in recent if c.kind == kind
        }
        moment = prefs.next(kind, after)
        for _ in range(6):
            local = prefs.local_day(moment)
            if local not in days and period_of(kind, local) not in periods:
                break
            moment = prefs.next(kind, moment)
        return moment

    async def _prompt(
        self,
        s: AsyncSession,
        person: Person,
        rows: dict[str, Schedule],
        now: datetime,
        cadences: dict[int, int],
    ) -> None:
        prefs = self.preferences(person)
        recent = await self._recent(s, person.id, now)
        weeks = await self._weeks(s, person, cadences)
        slots: dict[str, datetime] = {}  # kind -> the occurrence being sent now
        for kind, row in rows.items():
            latest = (
                self._plan(prefs, kind, row.updated_at, recent)
                if row.step == REPLAN
                else (row.next_due_at)
            )
            if latest > now:  # a new plan in the future: nothing to send yet
                row.next_due_at, row.step, row.updated_at = latest, 0, now
                continue
            # Past every missed occurrence to the latest one; only that one may still go out.
            while (following := prefs.next(kind, latest)) <= now:
                latest = following
            row.step, row.updated_at = 0, now
            row.next_due_at = self._plan(
                prefs, kind, max(now, latest + _interval(kind, weeks)), recent
            )
            if now - latest < CATCH_UP:
                slots[kind] = latest
        if not slots or person.status != PersonStatus.ACTIVE:
            return
        quiet_until = prefs.quiet_now(now)
        today = prefs.local_day(now)
        if quiet_until is not None or any(c.local_day == today for c in recent):
            # Late into quiet hours, or already prompted today: try again later.
            retry = quiet_until or now + timedelta(days=1)
            for kind in slots:
                rows[kind].next_due_at = min(rows[kind].next_due_at, retry)
            return
        await s.flush()  # the rows advance even if the claim below loses a race
        await self._claim(s, person, prefs, slots, now, recent)

    async def _claim(
        self,
        s: AsyncSession,
        person: Person,
        prefs: Preferences,
        slots: dict[str, datetime],
        now: datetime,
        recent: Sequence[CheckIn],
    ) -> None:
        """One CheckIn row and one message for everything due today, or nothing."""
        done = {(c.kind, c.period) for c in recent}
        done |= {(k, p) for c in recent for k, p in c.details.get("periods", {}).items()}
        periods = {
            kind: period_of(kind, prefs.local_day(slot))
            for kind, slot in slots.items()
            if (kind, period_of(kind, prefs.local_day(slot))) not in done
        }
        roles = {m.role for m in person.memberships if m.deactivated_at is None}
        details: dict[str, Any] = {}
        pairs: tuple[PairLine, ...] = ()
        digest = Digest()
        if PULSE in periods and Role.MENTEE not in roles:
            del periods[PULSE]
        if PAIR in periods:
            pairs = await self._pairs(s, person.id, now - PAIR_MIN_AGE)
            if not pairs:
                del periods[PAIR]
            details["pairings"] = [p.pairing_id for p in pairs]
        if NUDGE in periods:
            weeks = max(1, (now - slots[NUDGE]).days // 7 + 1)
            digest = await self._digest(s, person.id, now, since=now - timedelta(weeks=weeks))
            if Role.MENTOR not in roles or not digest:
                del periods[NUDGE]
            details["notes"] = list(digest.note_ids)
        parts = tuple(k for k in PROMPTS if k in periods)
        if not parts:
            return
        details.update(parts=list(parts), periods=periods)
        programme_id = await self._programme_of(s, person)
        try:
            async with s.begin_nested():
                checkin = CheckIn(
                    person_id=person.id,
                    programme_id=programme_id,
                    kind=parts[0],
                    period=periods[parts[0]],
                    local_day=prefs.local_day(now),
                    sent_at=now,
                    details=details,
                )
                s.add(checkin)
                await s.flush()
                prompt = Prompt(
                    checkin.id,
                    parts,
                    has_mentor=bool(await self._mentor_of(s, person.id)),
                    pairs=pairs,
                    digest=digest,
                )
                enqueue_to(
                    s,
                    person,
                    kind="checkin",
                    payload=render(person.language, prompt),
                    dedupe_key=f"checkin:{person.id}:{checkin.local_day.isoformat()}",
                    now=now,
                    priority=PRIORITY_NOTICE,
                )
                await s.flush()
        except IntegrityError:
            # Someone else claimed this day or period first (an on-demand /checkin, a second
            # process): theirs stands, and nobody gets this one twice.
            log.info("checkin_claim_lost person=%s parts=%s", person.id, ",".join(parts))
            return
        log.info(
            "checkin_sent person=%s checkin=%s parts=%s", person.id, checkin.id, ",".join(parts)
        )

    async def _programme_of(self, s: AsyncSession, person: Person) -> int | None:
        paired = await s.scalar(
            select(Pairing.programme_id)
            .where(
                (Pairing.mentee_id == person.id) | (Pairing.mentor_id == person.id),
                Pairing.status == PairingStatus.ACTIVE,
            )
            .order_by(Pairing.started_at)
            .limit(1)
        )
        if paired is not None:
            return paired
        return min((m.programme_id for m in person.memberships), default=None)

    async def _mentor_of(self, s: AsyncSession, mentee_id: int) -> Person | None:
        return await s.scalar(
            select(Person)
            .join(Pairing, Pairing.mentor_id == Person.id)
            .where(Pairing.mentee_id == mentee_id, Pairing.status == PairingStatus.ACTIVE)
            .order_by(Pairing.started_at)
            .limit(1)
        )

    async def _pairs(
        self, s: AsyncSession, person_id: int, started_before: datetime
    ) -> tuple[PairLine, ...]:
        """The person's active pairs old enough for "did you two talk?", with the other side."""
        pairings = await s.scalars(
            select(Pairing)
            .where(
                (Pairing.mentee_id == person_id) | (Pairing.mentor_id == person_id),
                Pairing.status == PairingStatus.ACTIVE,
                Pairing.started_at <= started_before,
            )
            .order_by(Pairing.started_at, Pairing.id)
        )
        lines = []
        for pairing in pairings:
            other_id = pairing.mentor_id if pairing.mentee_id == person_id else pairing.mentee_id
            lines.append(PairLine(pairing.id, _name(await s.get(Person, other_id)), None))
        return tuple(lines)

    async def _digest(
        self, s: AsyncSession, mentor_id: int, now: datetime, *, since: datetime
    ) -> Digest:
        """What a mentor should know this week; empty when there is nothing new."""
        mentees = list(
            await s.scalars(
                select(Person)
                .join(Pairing, Pairing.mentee_id == Person.id)
                .where(Pairing.mentor_id == mentor_id, Pairing.status == PairingStatus.ACTIVE)
                .order_by(Pairing.started_at, Pairing.id)
            )
        )
        names = {m.id: _name(m) for m in mentees}
        waiting = await s.execute(
            select(Question.mentee_id, Question.waiting_since, Question.created_at)
            .where(Question.mentor_id == mentor_id, Question.status == QuestionStatus.OPEN)
            .order_by(Question.created_at)
            .limit(10)
        )
        questions = tuple(
            (names.get(mentee_id, "—"), max(0, (now - (since_ or created)).days))
            for mentee_id, since_, created in waiting
        )
        pulses = []
        for mentee in mentees:
            last = await s.scalar(
                select(CheckIn.score)
                .where(
                    CheckIn.person_id == mentee.id,
                    CheckIn.kind == PULSE,
                    CheckIn.score.is_not(None),
                    CheckIn.answered_at >= since,
                )
                .order_by(CheckIn.sent_at.desc())
                .limit(1)
            )
            if last is not None:
                pulses.append((names[mentee.id], last))
        goals: tuple[tuple[str, str, date], ...] = ()
        if mentees:
            soon = (now + GOALS_SOON).date()
            goals = tuple(
                (names[g.mentee_id], g.what, g.due_on)
                for g in await s.scalars(
                    select(Goal)
                    .where(
                        Goal.mentee_id.in_(names),
                        Goal.status == GoalStatus.ACTIVE,
                        Goal.due_on <= soon,
                    )
                    .order_by(Goal.due_on)
                    .limit(10)
                )
            )
        notes = (
            await s.execute(
                select(GratitudeNote.id, GratitudeNote.text, Person.display_name)
                .join(Person, Person.id == GratitudeNote.sender_id)
                .where(GratitudeNote.recipient_id == mentor_id, GratitudeNote.seen_at.is_(None))
                .order_by(GratitudeNote.created_at)
                .limit(10)
            )
        ).all()
        return Digest(
            questions=questions,
            pulses=tuple(pulses),
            goals=goals,
            notes=tuple((name or "—", text) for _, text, name in notes),
            note_ids=tuple(note_id for note_id, _, _ in notes),
        )

    async def _reminders(
        self, s: AsyncSession, person: Person, rows: dict[str, Schedule], now: datetime
    ) -> None:
        """The profile reminder (to the person, once) and the unmatched notices (coordinators)."""
        row = rows.get(PROFILE)
        if row is not None:
            await s.delete(row)
            if person.onboarded_at is None and person.status == PersonStatus.ACTIVE:
                enqueue_to(
                    s,
                    person,
                    kind="profile_reminder",
                    payload={"text": t(person.language, "checkins.profile_reminder")},
                    dedupe_key=f"ck:profile:{person.id}",
                    now=now,
                    priority=PRIORITY_NOTICE,
                )
                log.info("profile_reminded person=%s", person.id)
        row = rows.get(UNMATCHED)
        if row is not None:
            await self._unmatched(s, person, row, now)

    async def _unmatched(
        self, s: AsyncSession, person: Person, row: Schedule, now: datetime
    ) -> None:
        joined = min(
            (m.joined_at for m in person.memberships if m.role == Role.MENTEE), default=None
        )
        paired = await self._mentor_of(s, person.id)
        if joined is None or paired is not None or person.status == PersonStatus.DELETED:
            await s.delete(row)
            return
        # After downtime: the latest step that is due, not each one.
        step = max(i for i, after in enumerate(UNMATCHED_AFTER) if joined + after <= now or i == 0)
        step = max(step, row.step)
        days = UNMATCHED_AFTER[step].days
        programmes = [m.programme_id for m in person.memberships if m.role == Role.MENTEE]
        for programme_id in programmes:
            s.add(
                Flag(
                    programme_id=programme_id,
                    person_id=person.id,
                    kind="unmatched",
                    raised_at=now,
                    details={"days": days},
                )
            )
            await tell_coordinators(
                s,
                programme_id,
                "checkins.unmatched_coordinator",
                f"ck:unmatched:{person.id}:{step}",
                now,
                kind="checkin_flag",
                name=_name(person),
                days=days,
            )
        if step + 1 < len(UNMATCHED_AFTER):
            row.step, row.next_due_at, row.updated_at = (
                step + 1,
                joined + UNMATCHED_AFTER[step + 1],
                now,
            )
        else:
            await s.delete(row)
        log.info("unmatched_notice person=%s days=%s", person.id, days)

    # -- answers ------------------------------------------------------------------------

    async def _own(
        self, s: AsyncSession, telegram_id: int, checkin_id: int, part: str
    ) -> tuple[Person, CheckIn]:
        try:
            person_id = await active_person_id(s, telegram_id)
        except NotCoordinator:
            raise CheckinRefused("not_yours") from None
        checkin = await s.get(CheckIn, checkin_id, with_for_update=True)
        if checkin is None or checkin.person_id != person_id:
            raise CheckinRefused("not_yours")
        if part not in checkin.details.get("parts", [checkin.kind]):
            raise CheckinRefused("not_yours")
        person = await s.get(Person, person_id)
        assert person is not None
        return person, checkin

    async def _prompt_of(self, s: AsyncSession, checkin: CheckIn, now: datetime) -> Prompt:
        parts = tuple(checkin.details.get("parts", [checkin.kind]))
        answers: dict[str, str] = checkin.details.get("answers", {})
        pairs: list[PairLine] = []
        for pairing_id in checkin.details.get("pairings", []):
            pairing = await s.get(Pairing, pairing_id)
            if pairing is None:
                continue
            other = (
                pairing.mentor_id if pairing.mentee_id == checkin.person_id else pairing.mentee_id
            )
            pairs.append(
                PairLine(
                    pairing_id, _name(await s.get(Person, other)), answers.get(str(pairing_id))
                )
            )
        digest = Digest()
        if NUDGE in parts:
            digest = await self._digest(
                s, checkin.person_id, now, since=checkin.sent_at - timedelta(days=7)
            )
        return Prompt(
            id=checkin.id,
            parts=parts,
            score=checkin.score,
            blocking_done=bool(checkin.details.get("blocking_done")),
            reach_out=checkin.details.get("reach_out"),
            has_mentor=await self._mentor_of(s, checkin.person_id) is not None,
            pairs=tuple(pairs),
            digest=digest,
            seen=bool(checkin.details.get("seen")),
            sent_on=checkin.local_day,
        )

    async def score(self, telegram_id: int, checkin_id: int, score: int) -> PulseAnswer:
        """The pulse's 1–5; a low one tells the mentor, a second 1 in a row the coordinators.

        Raises:
            CheckinRefused: ``not_yours`` (also for a score outside 1–5).
        """
        if not 1 <= score <= 5:
            raise CheckinRefused("not_yours")
        now = self._clock.now()
        async with self._db.session() as s:
            person, checkin = await self._own(s, telegram_id, checkin_id, PULSE)
            checkin.score, checkin.answered_at = score, now
            mentor = await self._mentor_of(s, person.id)
            programme_id = checkin.programme_id
            if score <= LOW_SCORE and programme_id is not None:
                self._flag(
                    s, programme_id, person.id, "low_pulse", now, checkin=checkin.id, score=score
                )
                if mentor is not None:
                    await _tell(
                        s, mentor, "checkins.low_for_mentor", f"ck:low:{checkin.id}", now,
                        name=_name(person), score=score,
                    )  # fmt: skip
            if score == 1 and programme_id is not None and await self._previous_one(s, checkin):
                self._flag(
                    s, programme_id, person.id, "wellbeing", now, checkin=checkin.id, repeat=True
                )
                await tell_coordinators(
                    s, programme_id, "checkins.very_low_coordinator", f"ck:verylow:{checkin.id}",
                    now, kind="checkin_flag", name=_name(person),
                )  # fmt: skip
            log.info("pulse_answered person=%s checkin=%s", person.id, checkin.id)
            prompt = await self._prompt_of(s, checkin, now)
            return PulseAnswer(
                prompt,
                ask_blocking=not prompt.blocking_done,
                ask_reach_out=mentor is not None and prompt.reach_out is None,
            )

    async def _previous_one(self, s: AsyncSession, checkin: CheckIn) -> bool:
        previous = await s.scalar(
            select(CheckIn.score)
            .where(
                CheckIn.person_id == checkin.person_id,
                CheckIn.kind == PULSE,
                CheckIn.id != checkin.id,
                CheckIn.sent_at <= checkin.sent_at,
                CheckIn.score.is_not(None),
            )
            .order_by(CheckIn.sent_at.desc(), CheckIn.id.desc())
            .limit(1)
        )
        return previous == 1

    def _flag(
        self,
        s: AsyncSession,
        programme_id: int,
        person_id: int,
        kind: str,
        now: datetime,
        **details: Any,
    ) -> None:
        s.add(
            Flag(
                programme_id=programme_id,
                person_id=person_id,
                kind=kind,
                raised_at=now,
                details=details,
            )
        )

    async def blocking(
        self,
        telegram_id: int,
        checkin_id: int,
        *,
        text: str | None = None,
        voice_file_id: str | None = None,
        wellbeing: bool = False,
    ) -> PulseAnswer:
        """ "Anything blocking you?": words, a voice note, nothing (skip), or "my wellbeing".

        Raises:
            CheckinRefused: ``not_yours``.
            profile.InvalidInput: when the text does not fit.
        """
        words = clean_text(text, maximum=BLOCKING_MAX) if text is not None else None
        now = self._clock.now()
        async with self._db.session() as s:
            person, checkin = await self._own(s, telegram_id, checkin_id, PULSE)
            if words is not None or voice_file_id is not None:
                checkin.blocking, checkin.blocking_file_id = words, voice_file_id
            checkin.details = {**checkin.details, "blocking_done": True}
            mentor = await self._mentor_of(s, person.id)
            if wellbeing and checkin.programme_id is not None:
                self._flag(
                    s, checkin.programme_id, person.id, "wellbeing", now, checkin=checkin.id
                )
                await tell_coordinators(
                    s, checkin.programme_id, "checkins.wellbeing_coordinator",
                    f"ck:wellbeing:{checkin.id}", now, kind="checkin_flag", name=_name(person),
                )  # fmt: skip
                if mentor is not None:
                    await _tell(
                        s, mentor, "checkins.wellbeing_for_mentor", f"ck:wellbeing:{checkin.id}",
                        now, name=_name(person),
                    )  # fmt: skip
            prompt = await self._prompt_of(s, checkin, now)
            return PulseAnswer(prompt, False, mentor is not None and prompt.reach_out is None)

    async def reach_out(self, telegram_id: int, checkin_id: int, yes: bool) -> PulseAnswer:
        """ "Would you like your mentor to reach out?": a yes flags it and tells the mentor
        (with what is blocking them, if they said).

        Raises:
            CheckinRefused: ``not_yours``, or ``no_mentor``.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            person, checkin = await self._own(s, telegram_id, checkin_id, PULSE)
            mentor = await self._mentor_of(s, person.id)
            if mentor is None:
                raise CheckinRefused("no_mentor")
            checkin.details = {**checkin.details, "reach_out": "yes" if yes else "no"}
            if yes:
                checkin.answer = "reach_out"
                if checkin.programme_id is not None:
                    self._flag(
                        s, checkin.programme_id, person.id, "reach_out", now, checkin=checkin.id
                    )
                payload: dict[str, Any] = {
                    "text": t(
                        mentor.language,
                        "checkins.reach_out_for_mentor",
                        name=_name(person),
                        blocking=Safe(
                            t(
                                mentor.language,
                                "checkins.reach_out_blocking",
                                text=checkin.blocking,
                            )
                            if checkin.blocking
                            else ""
                        ),
                    ),
                    "sender": person.id,
                }
                if checkin.blocking_file_id:
                    payload["media"] = {"type": "voice", "file_id": checkin.blocking_file_id}
                if mentor.telegram_id is not None:
                    await enqueue_once(
                        s,
                        dedupe_key=f"ck:reach:{checkin.id}",
                        chat_id=mentor.telegram_id,
                        person_id=mentor.id,
                        kind="checkin_flag",
                        payload=payload,
                        now=now,
                    )
            prompt = await self._prompt_of(s, checkin, now)
            return PulseAnswer(prompt, False, False)

    async def pair_answer(
        self, telegram_id: int, checkin_id: int, pairing_id: int, code: str
    ) -> Prompt:
        """Yes / Not yet / Need help for one pair; *Need help* tells the coordinators.

        Raises:
            CheckinRefused: ``not_yours`` for a pair not in this check-in or a bad answer.
        """
        answer = PAIR_ANSWERS.get(code)
        now = self._clock.now()
        async with self._db.session() as s:
            person, checkin = await self._own(s, telegram_id, checkin_id, PAIR)
            pairing = await s.get(Pairing, pairing_id)
            if (
                answer is None
                or pairing is None
                or pairing_id not in checkin.details.get("pairings", [])
                or person.id not in (pairing.mentor_id, pairing.mentee_id)
            ):
                raise CheckinRefused("not_yours")
            answers = {**checkin.details.get("answers", {}), str(pairing_id): answer}
            checkin.details = {**checkin.details, "answers": answers}
            checkin.answer, checkin.answered_at = answer, now
            if answer == "need_help":
                other_id = (
                    pairing.mentor_id if pairing.mentee_id == person.id else pairing.mentee_id
                )
                self._flag(
                    s, pairing.programme_id, person.id, "need_help", now, pairing=pairing.id
                )
                await tell_coordinators(
                    s, pairing.programme_id, "checkins.need_help_coordinator",
                    f"ck:help:{checkin.id}:{pairing.id}", now, kind="checkin_flag",
                    name=_name(person), other=_name(await s.get(Person, other_id)),
                )  # fmt: skip
            log.info("pair_checkin person=%s pairing=%s", person.id, pairing.id)
            return await self._prompt_of(s, checkin, now)

    async def seen(self, telegram_id: int, checkin_id: int) -> int:
        """The digest's *Seen*: its gratitude notes are marked seen. Returns how many.

        Raises:
            CheckinRefused: ``not_yours``.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            person, checkin = await self._own(s, telegram_id, checkin_id, NUDGE)
            checkin.answered_at = checkin.answered_at or now
            checkin.details = {**checkin.details, "seen": True}
            note_ids = [int(i) for i in checkin.details.get("notes", [])]
            marked = 0
            if note_ids:
                result = await s.execute(
                    update(GratitudeNote)
                    .where(
                        GratitudeNote.id.in_(note_ids),
                        GratitudeNote.recipient_id == person.id,
                        GratitudeNote.seen_at.is_(None),
                    )
                    .values(seen_at=now)
                )
                marked = int(getattr(result, "rowcount", 0) or 0)
            log.info("digest_seen person=%s checkin=%s", person.id, checkin.id)
            return marked

    async def current(self, telegram_id: int) -> Prompt | None:
        """``/checkin``: the latest prompt while it is current; else a pulse now for a mentee
        or a digest now for a mentor; None when there is nothing to check in about.

        Raises:
            CheckinRefused: ``not_yours`` for someone not registered.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            try:
                person_id = await active_person_id(s, telegram_id)
            except NotCoordinator:
                raise CheckinRefused("not_yours") from None
            latest = await s.scalar(
                select(CheckIn)
                .where(CheckIn.person_id == person_id, CheckIn.sent_at >= now - CURRENT_FOR)
                .order_by(CheckIn.sent_at.desc(), CheckIn.id.desc())
                .limit(1)
            )
            if latest is not None:
                return await self._prompt_of(s, latest, now)
            person = await s.scalar(
                select(Person)
                .where(Person.id == person_id)
                .options(selectinload(Person.profile), selectinload(Person.memberships))
            )
            assert person is not None
            roles = {m.role for m in person.memberships if m.deactivated_at is None}
            if Role.MENTEE in roles:
                kind = PULSE
            elif Role.MENTOR in roles:
                kind = NUDGE
            else:
                return None
            prefs = self.preferences(person)
            today = prefs.local_day(now)
            details = {"parts": [kind], "periods": {kind: period_of(kind, today)}, "asked": True}
            if kind == NUDGE:
                digest = await self._digest(s, person.id, now, since=now - timedelta(days=7))
                details["notes"] = list(digest.note_ids)
            try:
                async with s.begin_nested():
                    checkin = CheckIn(
                        person_id=person.id,
                        programme_id=await self._programme_of(s, person),
                        kind=kind,
                        period=period_of(kind, today),
                        local_day=today,
                        sent_at=now,
                        details=details,
                    )
                    s.add(checkin)
                    await s.flush()
            except IntegrityError:
                return None  # prompted today already, or this period: nothing new to open
            log.info("checkin_asked person=%s checkin=%s", person.id, checkin.id)
            return await self._prompt_of(s, checkin, now)

    async def settings_of(self, telegram_id: int) -> SettingsView:
        """When the person's next scheduled prompt comes, in which zone, and the pause."""
        now = self._clock.now()
        async with self._db.read() as s:
            person = await s.scalar(
                select(Person)
                .where(Person.telegram_id == telegram_id, Person.status != PersonStatus.DELETED)
                .options(selectinload(Person.profile))
            )
            if person is None:
                raise CheckinRefused("not_yours")
            prefs = self.preferences(person)
            recent = await self._recent(s, person.id, now)
            upcoming = []
            for row in await s.scalars(
                select(Schedule).where(Schedule.person_id == person.id, Schedule.kind.in_(PROMPTS))
            ):
                if row.step == REPLAN:
                    upcoming.append(self._plan(prefs, row.kind, max(now, row.updated_at), recent))
                else:
                    upcoming.append(row.next_due_at)
            return SettingsView(
                next_prompt=min(upcoming, default=None),
                zone=prefs.zone,
                paused=person.status == PersonStatus.PAUSED,
            )


async def _tell(
    s: AsyncSession, whom: Person, key: str, dedupe: str, now: datetime, **values: object
) -> None:
    if whom.telegram_id is None:
        return
    await enqueue_once(
        s,
        dedupe_key=f"{dedupe}:{whom.id}",
        chat_id=whom.telegram_id,
        person_id=whom.id,
        kind="checkin_flag",
        payload={"text": t(whom.language, key, **values)},
        now=now,
        priority=PRIORITY_NOTICE,
    )
