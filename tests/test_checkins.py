"""Check-in scheduling: the next-occurrence rules (timezones, DST, quiet hours, one a day), and
the sweep on both databases — merged prompts, catch-up after downtime, pauses, re-planning,
reminders and a claim that loses a race."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.services import Services
from bot.services.checkins import (
    NUDGE,
    PAIR,
    PULSE,
    REPLAN,
    CheckinRefused,
    next_monthly,
    next_occurrence,
    period_of,
)
from bot.services.profile import QUIET_PRESETS, Step
from storage.database import Database
from storage.models import CheckIn, Flag, OutboxMessage, Role, Schedule

ZONES = ["Europe/Madrid", "America/Santiago", "America/New_York", "America/Lima", "Asia/Kolkata",
         "Australia/Sydney", "Pacific/Chatham", "UTC"]  # fmt: skip


# --- the pure rules ---------------------------------------------------------------------


def _utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def test_the_preferred_day_and_hour_in_local_time() -> None:
    # Wednesday 18/11/2026 12:00 UTC; Lima is UTC-5: Thursday 08:00 Lima is 13:00 UTC.
    after = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    assert next_occurrence(after, "America/Lima", 3, 8) == datetime(2026, 11, 19, 13, tzinfo=UTC)
    # Strictly after: the slot itself gives the next week's.
    slot = datetime(2026, 11, 19, 13, tzinfo=UTC)
    assert next_occurrence(slot, "America/Lima", 3, 8) == slot + timedelta(weeks=1)
    # Unset day and hour: Monday 09:00.
    assert next_occurrence(after, "UTC") == datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "before", "after_change"),
    [
        # Madrid springs forward on Sunday 28/03/2027: Monday 08:00 is 07:00 UTC, then 06:00.
        ("Europe/Madrid", _utc(2027, 3, 22, 7), _utc(2027, 3, 29, 6)),
        # ... and falls back on Sunday 25/10/2026: 06:00 UTC, then 07:00.
        ("Europe/Madrid", _utc(2026, 10, 19, 6), _utc(2026, 10, 26, 7)),
        # Santiago leaves summer time on Sunday 04/04/2027: 11:00 UTC, then 12:00.
        ("America/Santiago", _utc(2027, 3, 29, 11), _utc(2027, 4, 5, 12)),
        # ... and starts it on Sunday 06/09/2026: 12:00 UTC, then 11:00.
        ("America/Santiago", _utc(2026, 8, 31, 12), _utc(2026, 9, 7, 11)),
        # New York springs forward on Sunday 14/03/2027: 13:00 UTC, then 12:00.
        ("America/New_York", _utc(2027, 3, 8, 13), _utc(2027, 3, 15, 12)),
    ],
)  # fmt: skip
def test_a_dst_week_keeps_the_local_hour(
    zone: str, before: datetime, after_change: datetime
) -> None:
    assert next_occurrence(before - timedelta(hours=1), zone, 0, 8) == before
    assert next_occurrence(before, zone, 0, 8) == after_change
    assert _local(after_change, zone).hour == 8


def test_an_hour_inside_quiet_hours_moves_to_their_end() -> None:
    after = datetime(2026, 11, 16, 0, tzinfo=UTC)  # a Monday
    # 22:00 inside 22–07: the next morning at 07:00 (Tuesday).
    moment = next_occurrence(after, "UTC", 0, 22, 22, 7)
    assert moment == datetime(2026, 11, 17, 7, tzinfo=UTC)
    # 06:00 inside 23–06? No (the end is exclusive): stays. 06:00 inside 21–08: moves to 08:00.
    assert next_occurrence(after, "UTC", 0, 6, 23, 6) == datetime(2026, 11, 16, 6, tzinfo=UTC)
    assert next_occurrence(after, "UTC", 0, 6, 21, 8) == datetime(2026, 11, 16, 8, tzinfo=UTC)


def test_the_monthly_pair_check_in_is_the_first_slot_of_each_month() -> None:
    after = datetime(2026, 11, 18, 12, tzinfo=UTC)
    first = next_monthly(after, "Europe/Madrid", 2, 8)  # Wednesdays 08:00
    assert first == datetime(2026, 12, 2, 7, tzinfo=UTC)
    assert next_monthly(first, "Europe/Madrid", 2, 8) == datetime(2027, 1, 6, 7, tzinfo=UTC)
    assert period_of(PAIR, date(2026, 12, 2)) == "2026-12"
    assert period_of(PULSE, date(2026, 12, 2)) == "2026-W49"


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
    zone=st.sampled_from(ZONES),
    day=st.integers(0, 6),
    hour=st.integers(6, 22),
    quiet=st.sampled_from(QUIET_PRESETS),
)
def test_occurrences_are_weekly_local_outside_quiet_hours_and_one_a_day(
    start: datetime, zone: str, day: int, hour: int, quiet: tuple[int, int]
) -> None:
    after = start.replace(tzinfo=UTC)
    moments = [next_occurrence(after, zone, day, hour, *quiet)]
    for _ in range(5):
        moments.append(next_occurrence(moments[-1], zone, day, hour, *quiet))
    assert moments[0] > after
    assert moments[0] - after <= timedelta(days=8)
    days = [_local(m, zone).date() for m in moments]
    assert len(set(days)) == len(days)  # never two on one local day
    for earlier, later in itertools.pairwise(moments):
        assert later > earlier
        assert (_local(later, zone).date() - _local(earlier, zone).date()).days == 7
    for moment in moments:
        local = _local(moment, zone)
        start_q, end_q = quiet
        if start_q != end_q:
            inside = local.hour >= start_q or local.hour < end_q
            assert not inside or local.hour == hour  # a gap hour can land just after it
        if local.hour == hour or start_q == end_q:
            assert local.weekday() == day or local.hour != hour


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
    zone=st.sampled_from(ZONES),
    day=st.integers(0, 6),
    hour=st.integers(6, 22),
)
def test_monthly_occurrences_come_once_a_month(
    start: datetime, zone: str, day: int, hour: int
) -> None:
    after = start.replace(tzinfo=UTC)
    first = next_monthly(after, zone, day, hour)
    second = next_monthly(first, zone, day, hour)
    assert after < first < second
    one, two = _local(first, zone), _local(second, zone)
    assert (one.year, one.month) != (two.year, two.month)
    assert one.day <= 7 or one.month == _local(after, zone).month
    assert two.day <= 7 and two.weekday() == day and two.hour == hour


# --- the sweep, on both databases -------------------------------------------------------

MONDAY_8_MADRID = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.fixture
async def services(db: Database, clock: ManualClock) -> Services:
    """The services alone (no bot), with the default programme and coordinator 900."""
    config = Settings(
        _env_file=None,
        database_url=db.url.render_as_string(hide_password=False),
        coordinator_ids=frozenset({900}),
    )
    services = Services.create(config, db, clock)
    await services.people.ensure_default_programme("P")
    return services


async def _person(
    services: Services,
    telegram_id: int,
    role: Role,
    *,
    zone: str = "Europe/Madrid",
    lang: str = "en",
) -> int:
    people = services.people
    await people.consent(telegram_id, language=lang, invite=None)
    await people.choose_role(telegram_id, role)
    await people.answer(telegram_id, Step.NAME, f"P{telegram_id}")
    await people.toggle(telegram_id, Step.LANGUAGES, "es")  # pairable: a common language
    await people.answer(telegram_id, Step.TIMEZONE, zone)
    await people.answer(telegram_id, Step.DAY, 0)
    await people.answer(telegram_id, Step.HOUR, 8)
    await people.answer(telegram_id, Step.QUIET, (22, 7))
    if role == Role.MENTOR:
        await people.answer(telegram_id, Step.CAPACITY, 3)
    view = await people.finish_onboarding(telegram_id)
    return view.id


async def _pair(services: Services, mentor: int, mentee: int) -> None:
    await services.people.consent(900, language="en", invite=None)
    programme = await services.people.ensure_default_programme("P")
    await services.pairing.pair(900, programme.id, mentor, mentee)


async def _at(clock: ManualClock, moment: datetime) -> None:
    clock.advance(moment - clock.now())


async def _checkins(db: Database, person_id: int | None = None) -> list[CheckIn]:
    async with db.read() as s:
        query = select(CheckIn).order_by(CheckIn.id)
        if person_id is not None:
            query = query.where(CheckIn.person_id == person_id)
        return list(await s.scalars(query))


async def _outbox(db: Database, kind: str = "checkin") -> list[OutboxMessage]:
    async with db.read() as s:
        return list(
            await s.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        )


async def _schedule(db: Database, person_id: int, kind: str) -> Schedule | None:
    async with db.read() as s:
        return await s.get(Schedule, (person_id, kind))


async def test_a_mentee_gets_one_pulse_a_week_at_her_local_hour(
    services: Services, db: Database, clock: ManualClock
) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    await services.checkins.sweep()  # plans: nothing due yet
    row = await _schedule(db, ana, PULSE)
    assert row is not None and row.step == 0 and row.next_due_at == MONDAY_8_MADRID
    await _at(clock, MONDAY_8_MADRID - timedelta(minutes=1))
    await services.checkins.sweep()
    assert await _checkins(db) == []
    await _at(clock, MONDAY_8_MADRID)
    await services.checkins.sweep()
    await services.checkins.sweep()  # a second tick finds nothing
    (checkin,) = await _checkins(db)
    assert (checkin.kind, checkin.period, checkin.local_day) == (
        PULSE,
        "2026-W48",
        date(2026, 11, 23),
    )
    (message,) = await _outbox(db)
    assert [b["callback_data"] for b in message.payload["buttons"][0]] == [
        f"ck:s:{checkin.id}:{n}" for n in range(1, 6)
    ]
    row = await _schedule(db, ana, PULSE)
    assert row is not None and row.next_due_at == MONDAY_8_MADRID + timedelta(weeks=1)


async def test_after_downtime_only_the_latest_missed_prompt_goes_out(
    services: Services, db: Database, clock: ManualClock
) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    await services.checkins.sweep()
    # Down for three weeks and a day: three Mondays missed; Tuesday 10:00 Madrid.
    await _at(clock, MONDAY_8_MADRID + timedelta(weeks=2, days=1, hours=2))
    await services.checkins.sweep()
    await services.checkins.sweep()
    (checkin,) = await _checkins(db)
    assert checkin.period == "2026-W50"  # the latest one, not the first
    row = await _schedule(db, ana, PULSE)
    assert row is not None and row.next_due_at == MONDAY_8_MADRID + timedelta(weeks=3)
    # Down for a week and more: the missed one is too old to be useful, none is sent.
    await _at(clock, MONDAY_8_MADRID + timedelta(weeks=4, days=3))
    await services.checkins.sweep()
    assert len(await _checkins(db)) == 1
    row = await _schedule(db, ana, PULSE)
    assert row is not None and row.next_due_at == MONDAY_8_MADRID + timedelta(weeks=5)


async def test_a_late_prompt_waits_for_the_end_of_quiet_hours(
    services: Services, db: Database, clock: ManualClock
) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    await services.checkins.sweep()
    await _at(clock, datetime(2026, 11, 23, 22, 30, tzinfo=UTC))  # 23:30 in Madrid
    await services.checkins.sweep()
    assert await _checkins(db) == []
    row = await _schedule(db, ana, PULSE)
    assert row is not None and row.next_due_at == datetime(2026, 11, 24, 6, tzinfo=UTC)
    await _at(clock, datetime(2026, 11, 24, 6, tzinfo=UTC))
    await services.checkins.sweep()
    (checkin,) = await _checkins(db)
    assert checkin.local_day == date(2026, 11, 24) and checkin.period == "2026-W48"


async def test_pulse_and_pair_on_one_day_are_one_message(
    services: Services, db: Database, clock: ManualClock
) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    bruno = await _person(services, 102, Role.MENTOR)
    await _pair(services, bruno, ana)
    await services.checkins.sweep()
    first_of_december = datetime(2026, 12, 7, 7, tzinfo=UTC)  # the first Monday of December
    for monday in (MONDAY_8_MADRID, datetime(2026, 11, 30, 7, tzinfo=UTC), first_of_december):
        await _at(clock, monday)
        await services.checkins.sweep()
    ana_checkins = await _checkins(db, ana)
    assert [c.details["parts"] for c in ana_checkins] == [["pulse"], ["pulse"], ["pulse", "pair"]]
    messages = [m for m in await _outbox(db) if m.person_id == ana]
    assert len(messages) == 3
    assert "P102" in messages[-1].payload["text"]
    bruno_checkins = await _checkins(db, bruno)
    # The mentor's digest had nothing to say until Ana's pulses... which were never answered.
    assert [c.details["parts"] for c in bruno_checkins] == [["pair"]]


async def test_a_mentor_digest_lists_what_waits_and_says_nothing_when_empty(
    services: Services, db: Database, clock: ManualClock
) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    bruno = await _person(services, 102, Role.MENTOR)
    await _pair(services, bruno, ana)
    await services.checkins.sweep()
    await _at(clock, MONDAY_8_MADRID)
    await services.checkins.sweep()
    assert [c for c in await _checkins(db, bruno)] == []  # nothing to say: nothing sent
    (pulse,) = await _checkins(db, ana)
    await services.checkins.score(101, pulse.id, 4)
    (recipient,) = await services.gratitude.recipients(101)
    await services.gratitude.send(101, recipient.pairing_id, "Thank you for the case review!")
    await _at(clock, MONDAY_8_MADRID + timedelta(weeks=1))
    await services.checkins.sweep()
    (digest,) = [c for c in await _checkins(db, bruno) if c.kind == NUDGE]
    (message,) = [m for m in await _outbox(db) if m.person_id == bruno]
    assert "P101: 4/5" in message.payload["text"]
    assert "Thank you for the case review!" in message.payload["text"]
    assert message.payload["buttons"][-1][0]["callback_data"] == f"ck:v:{digest.id}"
    assert await services.checkins.seen(102, digest.id) == 1
    with pytest.raises(CheckinRefused):
        await services.checkins.seen(101, digest.id)  # not hers


async def test_low_scores_flag_the_mentor_and_twice_one_the_coordinators(
    services: Services, db: Database, clock: ManualClock
) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    bruno = await _person(services, 102, Role.MENTOR)
    await _pair(services, bruno, ana)
    await services.checkins.sweep()
    for week in range(2):
        await _at(clock, MONDAY_8_MADRID + timedelta(weeks=week))
        await services.checkins.sweep()
        pulse = (await _checkins(db, ana))[-1]
        await services.checkins.score(101, pulse.id, 1)
        await services.checkins.score(101, pulse.id, 1)  # a second tap tells nobody twice
    async with db.read() as s:
        flags = [(f.kind, f.details.get("repeat")) for f in await s.scalars(select(Flag))]
    assert flags.count(("low_pulse", None)) == 4
    assert ("wellbeing", True) in flags
    to_mentor = [m for m in await _outbox(db, "checkin_flag") if m.person_id == bruno]
    assert len(to_mentor) == 2
    coordinator = await services.people.lookup(900)
    assert coordinator is not None
    assert [m for m in await _outbox(db, "checkin_flag") if m.person_id == coordinator.id]
    with pytest.raises(CheckinRefused):
        await services.checkins.score(102, pulse.id, 5)  # the mentor cannot answer for her


async def test_paused_people_are_skipped_and_resume_on_their_next_day(
    services: Services, db: Database, clock: ManualClock
) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    await services.checkins.sweep()
    await services.people.set_paused(101, True)
    await _at(clock, MONDAY_8_MADRID)
    await services.checkins.sweep()
    assert await _checkins(db) == []
    await services.people.set_paused(101, False)
    await _at(clock, MONDAY_8_MADRID + timedelta(weeks=1))
    await services.checkins.sweep()
    assert [c.period for c in await _checkins(db, ana)] == ["2026-W49"]


async def test_changing_timezone_or_hour_moves_the_next_prompt(
    services: Services, db: Database, clock: ManualClock
) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    await services.checkins.sweep()
    await services.people.answer(101, Step.TIMEZONE, "America/New_York")
    row = await _schedule(db, ana, PULSE)
    assert row is not None and row.step == REPLAN
    view = await services.checkins.settings_of(101)
    assert view.next_prompt == datetime(2026, 11, 23, 13, tzinfo=UTC)  # 08:00 New York
    await services.checkins.sweep()
    row = await _schedule(db, ana, PULSE)
    assert row is not None and row.next_due_at == datetime(2026, 11, 23, 13, tzinfo=UTC)
    await services.people.answer(101, Step.HOUR, 18)
    await services.people.answer(101, Step.DAY, 4)
    await services.checkins.sweep()
    row = await _schedule(db, ana, PULSE)
    assert row is not None and row.next_due_at == datetime(2026, 11, 20, 23, tzinfo=UTC)


async def test_a_replan_never_prompts_twice_in_one_day_or_week(
    services: Services, db: Database, clock: ManualClock
) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    await services.checkins.sweep()
    await _at(clock, MONDAY_8_MADRID)
    await services.checkins.sweep()
    await services.people.answer(101, Step.HOUR, 20)  # later the same day
    await services.checkins.sweep()
    row = await _schedule(db, ana, PULSE)
    assert row is not None and row.next_due_at == datetime(2026, 11, 30, 19, tzinfo=UTC)
    await services.people.answer(101, Step.DAY, 3)  # Thursday, the same ISO week
    await services.checkins.sweep()
    row = await _schedule(db, ana, PULSE)
    assert row is not None and row.next_due_at == datetime(2026, 12, 3, 19, tzinfo=UTC)


async def test_an_on_demand_checkin_wins_and_the_scheduled_one_is_not_sent_again(
    services: Services, db: Database, clock: ManualClock
) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    await services.checkins.sweep()
    await _at(clock, MONDAY_8_MADRID - timedelta(hours=1))
    prompt = await services.checkins.current(101)
    assert prompt is not None and prompt.parts == (PULSE,)
    await _at(clock, MONDAY_8_MADRID)
    await services.checkins.sweep()
    assert len(await _checkins(db, ana)) == 1
    assert await _outbox(db) == []
    # Forced through a stale plan, the unique constraints still refuse a second claim.
    async with db.session() as s:
        row = await s.get(Schedule, (ana, PULSE))
        assert row is not None
        row.next_due_at = clock.now()
    await services.checkins.sweep()
    assert len(await _checkins(db, ana)) == 1


async def test_profile_and_unmatched_reminders(
    services: Services, db: Database, clock: ManualClock
) -> None:
    await services.people.consent(900, language="es", invite=None)
    await services.people.consent(103, language="es", invite=None)  # never finishes
    ana = await _person(services, 101, Role.MENTEE)
    await _at(clock, clock.now() + timedelta(days=2))
    await services.checkins.sweep()
    reminders = await _outbox(db, "profile_reminder")
    carlos = await services.people.lookup(103)
    assert carlos is not None and ana
    assert {m.person_id for m in reminders} >= {carlos.id}
    assert all(m.person_id != ana for m in reminders)
    await _at(clock, clock.now() + timedelta(days=5))
    await services.checkins.sweep()
    await _at(clock, clock.now() + timedelta(days=7))
    await services.checkins.sweep()
    await services.checkins.sweep()
    notices = await _outbox(db, "checkin_flag")
    texts = [m.payload["text"] for m in notices]
    assert any("7" in text for text in texts) and any("14" in text for text in texts)
    assert len(notices) == 2
    assert len(await _outbox(db, "profile_reminder")) == len(reminders)  # once


async def test_many_due_people_are_claimed_in_batches(
    services: Services, db: Database, clock: ManualClock
) -> None:
    for n in range(25):
        await _person(services, 200 + n, Role.MENTEE)
    await services.checkins.sweep()
    await _at(clock, MONDAY_8_MADRID)
    while await services.checkins.sweep(batch=7):
        pass
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(CheckIn)) == 25
    assert len(await _outbox(db)) == 25


async def test_deleted_people_lose_their_schedules(services: Services, db: Database) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    await services.people.delete_personal_data(101)
    assert await _schedule(db, ana, PULSE) is None


async def test_people_without_schedules_get_them_at_start(
    services: Services, db: Database
) -> None:
    ana = await _person(services, 101, Role.MENTEE)
    bruno = await _person(services, 102, Role.MENTOR)
    async with db.session() as s:  # as if they had joined before check-ins existed
        await s.execute(delete(Schedule))
    assert await services.checkins.backfill() == 4  # pulse + pair, nudge + pair
    kinds = {(row.person_id, row.kind, row.step) for row in await _all_schedules(db)}
    assert kinds == {
        (ana, PULSE, REPLAN), (ana, PAIR, REPLAN), (bruno, NUDGE, REPLAN), (bruno, PAIR, REPLAN)
    }  # fmt: skip
    assert await services.checkins.backfill() == 0
    assert await services.checkins.sweep() == 2  # planned by the next sweep


async def _all_schedules(db: Database) -> list[Schedule]:
    async with db.read() as s:
        return list(await s.scalars(select(Schedule)))
