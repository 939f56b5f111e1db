"""Goal rules without Telegram: reading due dates as people type them, the accepted range, and
when the deadline reminder goes out (09:00 local, three days before, or on the day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.goals import (
    MONTHS,
    InvalidDueDate,
    format_day,
    is_quiet,
    latest_due,
    parse_date,
    parse_due_date,
    reminder_at,
)

TODAY = date(2026, 11, 18)
ENGLISH = [date(2000, m, 1).strftime("%B") for m in range(1, 13)]
SPANISH = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"]  # fmt: skip
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
zones = st.sampled_from(["UTC", "America/Lima", "Europe/Madrid", "Asia/Kolkata", "Pacific/Apia",
                         "America/St_Johns", "Australia/Lord_Howe"])  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "2027-03-31", "2027/3/31", "31/03/2027", "31.3.2027", "31-03-2027", "31/3/27",
        " 31 / 03 / 2027 ", "31 March 2027", "31 march 2027", "March 31, 2027", "March 31st 2027",
        "31st of March 2027", "31 Mar 2027", "31 de marzo de 2027", "31 de Marzo del 2027",
        "marzo 31, 2027", "31 mar. 2027", "31º marzo 2027",
    ],
)  # fmt: skip
def test_common_forms_of_one_day_are_read(text: str) -> None:
    assert parse_date(text) == date(2027, 3, 31)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "format"), ("tomorrow", "format"), ("next month", "format"), ("31/03", "format"),
        ("2027", "format"), ("31 Marchember 2027", "format"), ("123/03/2027", "format"),
        ("😀", "format"), ("1" * 100, "format"), ("31/02/2027", "no_such_day"),
        ("29/02/2027", "no_such_day"), ("2027-13-01", "no_such_day"), ("0/1/2027", "no_such_day"),
        ("31 de abril de 2027", "no_such_day"), ("30 February 2028", "no_such_day"),
    ],
)  # fmt: skip
def test_what_is_not_a_day_says_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidDueDate) as refused:
        parse_date(text)
    assert refused.value.reason == reason


FORMS = ["{d}/{m}/{y}", "{d:02}/{m:02}/{y}", "{d}.{m}.{y}", "{y}-{m:02}-{d:02}", "{d}-{m}-{y}",
         "{d} {en} {y}", "{en} {d}, {y}", "{d} de {es} de {y}", "{d} {en3} {y}",
         "{D}"]  # fmt: skip


def _read(text: str, today: date | None = None) -> date | str:
    """The date, or the reason it was refused."""
    try:
        return parse_date(text) if today is None else parse_due_date(text, today)
    except InvalidDueDate as refused:
        return refused.reason


@given(days, st.sampled_from(FORMS))
def test_every_day_written_any_accepted_way_reads_back(day: date, form: str) -> None:
    text = form.format(
        d=day.day,
        m=day.month,
        y=day.year,
        en=ENGLISH[day.month - 1],
        en3=ENGLISH[day.month - 1][:3].upper(),
        es=SPANISH[day.month - 1],
        D=format_day(day),
    )
    assert parse_date(text) == day


@given(st.text(max_size=60))
def test_any_text_is_a_day_or_a_clear_refusal(text: str) -> None:
    result = _read(text)
    assert isinstance(result, date) or result in {"format", "no_such_day"}


@given(days, st.integers(min_value=-800, max_value=800))
def test_a_due_date_is_after_today_and_at_most_two_years_on(today: date, offset: int) -> None:
    due = today + timedelta(days=offset)
    result = _read(due.isoformat(), today)
    if due <= today:
        assert result == "past"
    elif due > latest_due(today):
        assert result == "too_far"
    else:
        assert result == due


def test_two_years_on_from_a_leap_day() -> None:
    assert latest_due(date(2028, 2, 29)) == date(2030, 2, 28)
    assert parse_due_date("18/11/2028", TODAY) == date(2028, 11, 18)
    with pytest.raises(InvalidDueDate):
        parse_due_date("19/11/2028", TODAY)


def test_month_names_are_unambiguous() -> None:
    assert set(MONTHS.values()) == set(range(1, 13))
    assert all(MONTHS[name.lower()] == n for n, name in enumerate(ENGLISH, 1))
    assert all(MONTHS[name] == n for n, name in enumerate(SPANISH, 1))


def test_the_reminder_is_three_days_before_at_nine_local() -> None:
    now = datetime(2026, 11, 18, 12, tzinfo=UTC)
    at = reminder_at(date(2027, 3, 31), "America/Lima", now)
    assert at == datetime(2027, 3, 28, 14, tzinfo=UTC)  # 09:00 in Lima (UTC-5)


def test_a_goal_due_in_less_than_three_days_is_reminded_on_the_day() -> None:
    now = datetime(2026, 11, 18, 12, tzinfo=UTC)
    assert reminder_at(date(2026, 11, 20), "UTC", now) == datetime(2026, 11, 20, 9, tzinfo=UTC)
    # Three days ahead but after 09:00: that moment has passed, so the due day it is.
    assert reminder_at(date(2026, 11, 21), "UTC", now) == datetime(2026, 11, 21, 9, tzinfo=UTC)
    assert reminder_at(date(2026, 11, 18), "UTC", now) is None


def test_nine_inside_quiet_hours_moves_to_their_end() -> None:
    now = datetime(2026, 11, 18, 12, tzinfo=UTC)
    at = reminder_at(date(2027, 1, 10), "UTC", now, quiet_start=1, quiet_end=11)
    assert at == datetime(2027, 1, 7, 11, tzinfo=UTC)
    assert not is_quiet(9, 22, 7) and is_quiet(23, 22, 7) and not is_quiet(9, 0, 0)


@given(
    days,
    zones,
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1)),
    st.sampled_from([(None, None), (22, 7), (21, 8), (23, 6), (0, 0), (1, 11), (8, 10)]),
)
def test_a_reminder_is_in_the_future_at_a_waking_hour_before_the_deadline(
    due: date, zone: str, naive_now: datetime, quiet: tuple[int | None, int | None]
) -> None:
    now = naive_now.replace(tzinfo=UTC)
    at = reminder_at(due, zone, now, quiet_start=quiet[0], quiet_end=quiet[1])
    if at is None:
        # Only when even the due day's reminder hour has passed.
        assert now.astimezone(ZoneInfo(zone)).date() >= due
        return
    local = at.astimezone(ZoneInfo(zone))
    assert at > now
    assert local.date() in (due - timedelta(days=3), due)
    assert local.minute == 0 and not is_quiet(local.hour, *quiet)
    if local.date() == due:  # on the day only when three days before had already passed
        early = datetime.combine(due - timedelta(days=3), local.time(), tzinfo=ZoneInfo(zone))
        assert early <= now
