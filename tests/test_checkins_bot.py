"""Check-ins through the real Application and the fake Bot API, in English and Spanish, with
the ManualClock: the weekly pulse arrives at the mentee's hour, is answered in a few taps
(with a voice note), reaches the mentor as flags; the monthly pair check-in and the mentor's
digest share a day as one message; ``/checkin`` and ``/settings`` work; forged and stale
buttons change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.i18n import t
from bot.services.profile import Step
from storage.models import Role
from tests.fake_telegram import FakeUser
from tests.harness import BotHarness
from tests.scenario import join_directly

pytestmark = pytest.mark.asyncio

COORDINATOR = 900
MONDAY_8_MADRID = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


async def _setup(bot: BotHarness, telegram_id: int, name: str, role: Role, lang: str) -> FakeUser:
    user = await join_directly(bot, telegram_id, name, role, lang)
    people = bot.services.people
    for step, value in [
        (Step.TIMEZONE, "Europe/Madrid"),
        (Step.DAY, 0),
        (Step.HOUR, 8),
        (Step.QUIET, (22, 7)),
    ]:
        await people.answer(telegram_id, step, value)
    return user


async def _pair_of(bot: BotHarness, lang: str) -> tuple[FakeUser, FakeUser, FakeUser]:
    people = bot.services.people
    await people.consent(COORDINATOR, language=lang, invite=None)
    coordinator = bot.fake.user(COORDINATOR, "Coco", language_code=lang)
    ana = await _setup(bot, 101, "Ana", Role.MENTEE, lang)
    bruno = await _setup(bot, 102, "Bruno", Role.MENTOR, lang)
    programme = await people.ensure_default_programme("P")
    ana_view, bruno_view = await people.lookup(101), await people.lookup(102)
    assert ana_view is not None and bruno_view is not None
    await bot.services.pairing.pair(COORDINATOR, programme.id, bruno_view.id, ana_view.id)
    await ana.receive(timeout=10)  # the introductions
    await bruno.receive(timeout=10)
    return ana, bruno, coordinator


async def _tick(bot: BotHarness, clock: ManualClock, moment: datetime) -> None:
    """Move the clock and run the minute sweep, as the job queue would."""
    clock.advance(moment - clock.now())
    for run in bot.services.sweeps():
        await run()
    bot.services.outbox.notify()


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_a_weekly_pulse_in_three_taps_reaches_the_mentor(
    bot: BotHarness, clock: ManualClock, lang: str
) -> None:
    ana, bruno, _ = await _pair_of(bot, lang)
    await _tick(bot, clock, clock.now())  # plans
    await _tick(bot, clock, MONDAY_8_MADRID - timedelta(minutes=1))
    await ana.nothing_more()
    await _tick(bot, clock, MONDAY_8_MADRID)
    pulse = await ana.receive(timeout=10)
    assert t(lang, "checkins.pulse.ask") == pulse.text
    assert pulse.button_texts == ["1", "2", "3", "4", "5"]
    await ana.press("2", message=pulse)
    await ana.wait_edited(pulse)
    assert t(lang, "checkins.pulse.answered", score=2) in (pulse.text or "")
    assert await ana.receive_text() == t(lang, "checkins.blocking.ask")
    low = await bruno.receive_text(timeout=10)
    assert low == t(lang, "checkins.low_for_mentor", name="Ana", score=2)
    await ana.send_voice()
    assert await ana.receive_text() == t(lang, "checkins.blocking.saved")
    ask = await ana.receive()
    assert ask.text == t(lang, "checkins.reach_out.ask")
    await ana.press(t(lang, "checkins.reach_out.yes"), message=ask)
    await ana.wait_edited(ask)
    assert ask.text == t(lang, "checkins.reach_out.told")
    reach = await bruno.receive(timeout=10)
    assert reach.kind == "voice"
    assert (reach.text or "").startswith(
        t(lang, "checkins.reach_out_for_mentor", name="Ana", blocking="")
    )
    # The same week again: nothing more, even with more ticks.
    await _tick(bot, clock, MONDAY_8_MADRID + timedelta(hours=3))
    await ana.nothing_more()
    # /checkin shows the answered pulse; the answer can still be changed.
    await ana.send("/checkin")
    current = await ana.receive()
    assert t(lang, "checkins.pulse.answered", score=2) in (current.text or "")


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_the_mentor_digest_and_the_pair_check_in_come_as_one_message(
    bot: BotHarness, clock: ManualClock, lang: str
) -> None:
    ana, bruno, coordinator = await _pair_of(bot, lang)
    await _tick(bot, clock, clock.now())
    await _tick(bot, clock, MONDAY_8_MADRID)
    pulse = await ana.receive(timeout=10)
    await ana.press("5", message=pulse)
    await ana.receive()  # blocking question
    await ana.press(t(lang, "checkins.blocking.skip"))
    await ana.receive()  # reach-out question
    await ana.press(t(lang, "checkins.reach_out.no"))
    await bruno.nothing_more()  # a good week tells the mentor nothing at once
    await _tick(bot, clock, MONDAY_8_MADRID + timedelta(weeks=1))
    digest = await bruno.receive(timeout=10)
    assert t(lang, "checkins.digest.pulse", name="Ana", score=5) in (digest.text or "")
    await bruno.press(t(lang, "checkins.seen"), message=digest)
    await bruno.wait_edited(digest)
    assert t(lang, "checkins.seen") not in digest.button_texts
    await ana.receive(timeout=10)  # her second pulse
    # The first Monday of December: pulse + pair for her, digest + pair for him, one each.
    await _tick(bot, clock, datetime(2026, 12, 7, 7, tzinfo=UTC))
    merged = await ana.receive(timeout=10)
    assert t(lang, "checkins.pair.ask", name="Bruno") in (merged.text or "")
    assert t(lang, "checkins.pulse.ask") in (merged.text or "")
    await ana.nothing_more()
    his = await bruno.receive(timeout=10)
    assert t(lang, "checkins.pair.ask", name="Ana") in (his.text or "")
    await bruno.press(t(lang, "checkins.pair.need_help"), message=his)
    await bruno.wait_edited(his)
    assert t(lang, "checkins.pair.answered.need_help") in (his.text or "")
    # The coordinator never finished their own profile: reminded once, then the call for help.
    assert await coordinator.receive_text(timeout=10) == t(lang, "checkins.profile_reminder")
    help_notice = await coordinator.receive_text(timeout=10)
    assert help_notice == t(lang, "checkins.need_help_coordinator", name="Bruno", other="Ana")


async def test_forged_and_stale_buttons_are_refused(bot: BotHarness, clock: ManualClock) -> None:
    ana, bruno, _ = await _pair_of(bot, "en")
    await _tick(bot, clock, clock.now())
    await _tick(bot, clock, MONDAY_8_MADRID)
    pulse = await ana.receive(timeout=10)
    checkin_id = int(pulse.buttons[0][0].callback_data.split(":")[2])  # type: ignore[union-attr]
    not_yours = t("en", "checkins.refused.not_yours")
    # Bruno forging Ana's check-in, in his own chat.
    own = await bruno.send("/checkin")
    assert own is not None
    his = await bruno.receive()
    for data in [
        f"ck:s:{checkin_id}:3",
        f"ck:b:{checkin_id}:w",
        f"ck:r:{checkin_id}:y",
        f"ck:p:{checkin_id}:1:h",
        f"ck:v:{checkin_id}",
        f"ck:s:{checkin_id + 1000}:3",
    ]:
        assert (await bruno.press_data(data, message=his)).text == not_yours, data
    stale = t("en", "stale_button")
    for data in ["ck:s:x:3", "ck:s:1", "ck:zz:1", f"ck:s:{checkin_id}:3:4", "st:nope"]:
        assert (await bruno.press_data(data, message=his)).text == stale, data
    assert (await ana.press_data(f"ck:s:{checkin_id}:9", message=pulse)).text == not_yours
    assert (await ana.press_data(f"ck:b:{checkin_id}:q", message=pulse)).text == not_yours
    await bruno.nothing_more()
    await ana.nothing_more()


async def test_settings_shows_the_next_check_in_and_pauses(
    bot: BotHarness, clock: ManualClock
) -> None:
    ana = await _setup(bot, 101, "Ana", Role.MENTEE, "es")
    await ana.send("/settings")
    card = await ana.receive()
    assert t("es", "checkins.settings.next", when="Lunes 23/11 08:00") in (card.text or "")
    assert t("es", "label.day") in card.button_texts
    await ana.press(t("es", "checkins.settings.pause"), message=card)
    await ana.wait_edited(card)
    assert card.text == t("es", "pause.on")
    await _tick(bot, clock, MONDAY_8_MADRID)
    await ana.nothing_more()
    await ana.send("/settings")
    card = await ana.receive()
    assert t("es", "checkins.settings.paused") in (card.text or "")
    await ana.press(t("es", "checkins.settings.resume"), message=card)
    # The day, through the profile's own question and PeopleService.
    await ana.send("/settings")
    card = await ana.receive()
    await ana.press(t("es", "label.day"), message=card)
    question = await ana.receive()
    await ana.press(t("es", "day.4"), message=question)
    await ana.receive()  # the profile card
    await ana.send("/settings")
    card = await ana.receive()
    assert t("es", "checkins.settings.next", when="Viernes 27/11 08:00") in (card.text or "")
