"""Goals through the real Application: a mentee sets a SMART goal in four steps, updates it,
finishes or drops it; the mentor follows, comments and celebrates; nobody reaches another pair's
goals; and the minute sweep reminds before the deadline, once, at 09:00 in the mentee's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.i18n import t
from bot.services.goals import GoalView
from storage.models import GoalStatus
from tests.fake_telegram import BotMessage, FakeUser
from tests.harness import BotHarness
from tests.scenario import onboard_mentee, onboard_mentor, press_and_read

pytestmark = pytest.mark.asyncio

COORDINATOR = 900
WHAT = {"en": "Present a case at the regional meeting", "es": "Presentar un caso en la reunión"}
DUE = {"en": "31 March 2027", "es": "31 de marzo de 2027"}  # the clock starts on 18/11/2026


async def _pair(bot: BotHarness, mentor: FakeUser, mentee: FakeUser) -> None:
    people = bot.services.people
    programme = await people.ensure_default_programme("P")
    mentor_view, mentee_view = await people.lookup(mentor.id), await people.lookup(mentee.id)
    assert mentor_view is not None and mentee_view is not None
    await bot.services.pairing.pair(COORDINATOR, programme.id, mentor_view.id, mentee_view.id)
    await mentor.receive(timeout=10)  # the introductions
    await mentee.receive(timeout=10)


async def _pair_of(bot: BotHarness, lang: str) -> tuple[FakeUser, FakeUser]:
    """A mentee and their mentor, onboarded in ``lang`` (Lima time) and paired."""
    await bot.services.people.consent(COORDINATOR, language="en", invite=None)
    ana = bot.fake.user(101, "Ana", language_code=lang)
    bruno = bot.fake.user(102, "Bruno", language_code=lang)
    await onboard_mentee(ana, lang)
    await onboard_mentor(bruno, lang)
    await _pair(bot, bruno, ana)
    return ana, bruno


async def _set_goal(user: FakeUser, lang: str, due: str, what: str | None = None) -> str:
    """The whole SMART conversation; returns the summary."""
    await user.send("/goals")
    asked = await user.receive()
    if asked.buttons:  # goals already: a new one is a tap away
        await user.press(t(lang, "goals.new"), message=asked)
        asked = await user.receive()
    assert (asked.text or "").endswith(t(lang, "goals.ask.what"))
    await user.send(what or WHAT[lang])
    assert await user.receive_text() == t(lang, "goals.ask.measure")
    await user.send("Presented, with feedback from two seniors")
    assert await user.receive_text() == t(lang, "goals.ask.due")
    await user.send(due)
    assert await user.receive_text() == t(lang, "goals.ask.first_step")
    await user.send("Choose the case with my mentor")
    return await user.receive_text()


async def _goals(bot: BotHarness, telegram_id: int) -> tuple[GoalView, ...]:
    return await bot.services.goals.mine(telegram_id)


async def _open_first(user: FakeUser) -> BotMessage:
    """``/goals`` then the first goal's button: its card."""
    await user.send("/goals")
    listing = await user.receive()
    await user.press(listing.buttons[0][0].text, message=listing)
    return await user.receive()


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_a_mentee_sets_a_smart_goal_and_the_mentor_hears_of_it(
    bot: BotHarness, lang: str
) -> None:
    ana, bruno = await _pair_of(bot, lang)
    summary = await _set_goal(ana, lang, DUE[lang])
    assert WHAT[lang] in summary and "31/03/2027" in summary and "0 %" in summary
    assert await bruno.receive_text(timeout=10) == t(
        lang, "goals.new_for_mentor", name="Ana", what=WHAT[lang]
    )
    (goal,) = await _goals(bot, 101)
    assert (goal.due_on.isoformat(), goal.first_step) == ("2027-03-31", "Choose the case with my mentor")  # fmt: skip  # noqa: E501
    await ana.send("/goals")
    listing = await ana.receive()
    assert t(lang, "goals.mine.title") in (listing.text or "")
    assert "0 %" in (listing.text or "") and "31/03/2027" in (listing.text or "")
    assert t(lang, "goals.new") in listing.button_texts


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_bad_dates_are_explained_and_the_step_waits(bot: BotHarness, lang: str) -> None:
    ana, _ = await _pair_of(bot, lang)
    await ana.send("/goals")
    await ana.receive()
    await ana.send(WHAT[lang])
    await ana.receive()
    await ana.send("Presented")
    assert await ana.receive_text() == t(lang, "goals.ask.due")
    span = {"earliest": "19/11/2026", "latest": "18/11/2028"}
    for typed, problem in [
        ("someday soon", "format"),
        ("31/02/2027", "no_such_day"),
        ("01/01/2020", "past"),
        ("18/11/2026", "past"),  # today is not in the future
        ("19/11/2028", "too_far"),
    ]:
        await ana.send(typed)
        assert await ana.receive_text() == t(lang, f"goals.date.{problem}", **span), typed
    await ana.send_photo()
    assert await ana.receive_text() == t(lang, "goals.date.format", **span)
    await ana.send("18/11/2028")  # the last day accepted
    assert await ana.receive_text() == t(lang, "goals.ask.first_step")
    assert await _goals(bot, 101) == ()


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_cancel_mid_way_keeps_nothing_and_a_restart_point_is_kept_until_then(
    bot: BotHarness, lang: str
) -> None:
    ana, _ = await _pair_of(bot, lang)
    await ana.send("/goals")
    await ana.receive()
    await ana.send(WHAT[lang])
    await ana.receive()
    draft = await bot.services.conversations.draft(101)
    assert draft["compose"] == {"kind": "goal_measure", "what": WHAT[lang]}  # in the database
    await ana.send("/cancel")
    assert await ana.receive_text() == t(lang, "cancel.done")
    await ana.send("Presented")
    assert await ana.receive_text() == t(lang, "unknown.message")
    assert await _goals(bot, 101) == ()


async def test_empty_or_media_answers_are_explained_and_asked_again(bot: BotHarness) -> None:
    ana, _ = await _pair_of(bot, "en")
    await ana.send("/goals")
    await ana.receive()
    await ana.send_voice()
    assert await ana.receive_text() == (
        t("en", "invalid.need_text") + "\n\n" + t("en", "goals.ask.what")
    )
    await ana.send("x" * 301)
    assert (await ana.receive_text()).startswith(
        t("en", "invalid.too_long", maximum=300, length=301)
    )
    await ana.send("🎯🎯")
    assert (await ana.receive_text()).startswith(t("en", "invalid.no_letters"))
    await ana.send(WHAT["en"])
    assert await ana.receive_text() == t("en", "goals.ask.measure")


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_progress_a_note_and_done_are_celebrated_with_the_mentor(
    bot: BotHarness, lang: str
) -> None:
    ana, bruno = await _pair_of(bot, lang)
    await _set_goal(ana, lang, DUE[lang])
    await bruno.receive(timeout=10)
    await _open_first(ana)
    saved = await press_and_read(ana, t(lang, "goals.progress_button", progress=50))
    assert saved == t(lang, "goals.progress_saved", what=WHAT[lang], progress=50)
    await _open_first(ana)
    await ana.press(t(lang, "goals.note"))
    assert await ana.receive_text() == t(lang, "goals.ask.note", what=WHAT[lang])
    await ana.send("Case chosen: a child with <b>dengue</b>")
    assert await ana.receive_text() == t(lang, "goals.note_saved")
    (goal,) = await _goals(bot, 101)
    assert (goal.progress, goal.last_note) == (50, "Case chosen: a child with <b>dengue</b>")
    await bruno.send("/goals")
    seen = await bruno.receive_text()
    assert "50 %" in seen and "&lt;b&gt;dengue&lt;/b&gt;" in seen
    await _open_first(ana)
    done = await press_and_read(ana, t(lang, "goals.done"))
    assert done == t(lang, "goals.done_saved", what=WHAT[lang])
    assert await bruno.receive_text(timeout=10) == t(
        lang, "goals.done_for_mentor", name="Ana", what=WHAT[lang]
    )
    (goal,) = await _goals(bot, 101)
    assert (goal.status, goal.progress) == (GoalStatus.DONE, 100)


async def test_one_hundred_percent_finishes_a_goal(bot: BotHarness) -> None:
    ana, bruno = await _pair_of(bot, "en")
    await _set_goal(ana, "en", "2027-01-15")
    await bruno.receive(timeout=10)
    card = await _open_first(ana)
    await press_and_read(ana, t("en", "goals.progress_button", progress=100))
    assert "Ana" in await bruno.receive_text(timeout=10)
    again = await ana.press_data(f"gl:p:{(await _goals(bot, 101))[0].id}:25", message=card)
    assert again.text == t("en", "goals.refused.closed")
    (goal,) = await _goals(bot, 101)
    assert (goal.status, goal.progress) == (GoalStatus.DONE, 100)


async def test_drop_needs_a_confirmation(bot: BotHarness) -> None:
    ana, _ = await _pair_of(bot, "en")
    await _set_goal(ana, "en", "31/03/2027")
    await _open_first(ana)
    await ana.press(t("en", "goals.drop"))
    assert await ana.receive_text() == t("en", "goals.drop.confirm", what=WHAT["en"])
    assert await press_and_read(ana, t("en", "goals.drop.no")) == t("en", "goals.kept")
    assert [g.status for g in await _goals(bot, 101)] == [GoalStatus.ACTIVE]
    await _open_first(ana)
    await ana.press(t("en", "goals.drop"))
    await ana.receive()
    dropped = await press_and_read(ana, t("en", "goals.drop.yes"))
    assert dropped == t("en", "goals.dropped", what=WHAT["en"])
    assert await _goals(bot, 101) == ()
    await ana.send("/goals")  # nothing left: a new goal is offered at once
    assert (await ana.receive_text()).startswith(t("en", "goals.intro"))


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_a_mentor_picks_a_mentee_and_comments_on_a_goal(bot: BotHarness, lang: str) -> None:
    ana, bruno = await _pair_of(bot, lang)
    carla = bot.fake.user(103, "Carla", language_code=lang)
    await onboard_mentee(carla, lang)
    await _pair(bot, bruno, carla)
    await _set_goal(ana, lang, DUE[lang])
    await bruno.receive(timeout=10)
    await bruno.send("/goals")
    pick = await bruno.receive()
    assert pick.text == t(lang, "goals.mentor.pick") and pick.button_texts == ["Ana", "Carla"]
    await bruno.press("Carla")
    assert await bruno.receive_text() == t(lang, "goals.mentor.empty", name="Carla")
    await bruno.press("Ana", message=pick)
    goals = await bruno.receive()
    assert WHAT[lang] in (goals.text or "")
    await bruno.press(goals.buttons[0][0].text, message=goals)
    assert await bruno.receive_text() == t(lang, "goals.ask.comment", name="Ana", what=WHAT[lang])
    await bruno.send("Great choice, let's rehearse on Friday")
    assert await bruno.receive_text() == t(lang, "goals.comment_sent", name="Ana")
    comment = await ana.receive(timeout=10)
    assert comment.text == t(
        lang,
        "goals.comment_for_mentee",
        name="Bruno",
        what=WHAT[lang],
        comment="Great choice, let's rehearse on Friday",
    )
    await ana.press(t(lang, "goals.open"), message=comment)
    card = await ana.receive_text()
    assert WHAT[lang] in card and "rehearse" in card


async def test_forged_goal_ids_are_refused_and_change_nothing(bot: BotHarness) -> None:
    ana, bruno = await _pair_of(bot, "en")
    carla = bot.fake.user(103, "Carla")
    dora = bot.fake.user(104, "Dora")
    await onboard_mentee(carla, "en")
    await onboard_mentor(dora, "en")
    await _pair(bot, dora, carla)
    await _set_goal(ana, "en", DUE["en"])
    (goal,) = await _goals(bot, 101)
    ana_id = (await bot.services.people.lookup(101)).id  # type: ignore[union-attr]
    not_yours = t("en", "goals.refused.not_yours")
    await carla.send("/goals")  # another pair's mentee
    own = await carla.receive()
    for data in (f"gl:v:{goal.id}", f"gl:p:{goal.id}:50", f"gl:d:{goal.id}", f"gl:n:{goal.id}",
                 f"gl:x:{goal.id}", f"gl:xy:{goal.id}", f"gl:c:{goal.id}"):  # fmt: skip
        assert (await carla.press_data(data, message=own)).text == not_yours, data
    await dora.send("/goals")  # another pair's mentor
    other = await dora.receive()
    assert other.text == t("en", "goals.mentor.empty", name="Carla")
    for data in (f"gl:c:{goal.id}", f"gl:m:{ana_id}", f"gl:v:{goal.id}", "gl:c:999999"):
        assert (await dora.press_data(data, message=other)).text == not_yours, data
    await dora.send("Sneaky comment")  # no comment step was opened for her
    assert await dora.receive_text() == t("en", "unknown.message")
    for data in ("gl:p:1", "gl:p:1:33", "gl:zz:1", "gl:v:x", "gl:v:1:2", "gl:v:" + "9" * 20):
        answer = await bruno.press_data(data, message=bruno.inbox[-1])
        assert answer.text in (t("en", "stale_button"), t("en", "goals.refused.bad_progress"),
                               not_yours), data  # fmt: skip
    (after,) = await _goals(bot, 101)
    assert after == goal
    await ana.nothing_more()


async def test_the_deadline_reminder_comes_once_at_nine_in_the_mentees_zone(
    bot: BotHarness, clock: ManualClock
) -> None:
    ana, bruno = await _pair_of(bot, "en")
    await _set_goal(ana, "en", DUE["en"])  # three days before: 28/03/2027 09:00 Lima
    await _set_goal(ana, "en", "20/11/2026", what="Read the dengue guideline")  # < 3 days
    await bruno.receive(timeout=10)
    await bruno.receive(timeout=10)
    goals = bot.services.goals
    assert await goals.sweep() == 0
    clock.advance(datetime(2026, 11, 20, 13, 59, tzinfo=UTC) - clock.now())
    assert await goals.sweep() == 0  # 08:59 in Lima on the due day of the short goal
    clock.advance(datetime(2026, 11, 20, 14, 0, tzinfo=UTC) - clock.now())
    assert await goals.sweep() == 1
    bot.services.outbox.notify()
    today = await ana.receive(timeout=10)
    assert today.text == t("en", "goals.reminder_today", what="Read the dengue guideline")
    assert await goals.sweep() == 0
    clock.advance(datetime(2027, 3, 28, 13, 59, tzinfo=UTC) - clock.now())
    assert await goals.sweep() == 0
    clock.advance(datetime(2027, 3, 28, 14, 0, tzinfo=UTC) - clock.now())
    for run in bot.services.sweeps():  # as the minute sweep runs them
        await run()
    bot.services.outbox.notify()
    reminder = await ana.receive(timeout=10)
    assert reminder.text == t("en", "goals.reminder", what=WHAT["en"], due="31/03/2027")
    assert reminder.button_texts == [t("en", "goals.open")]
    clock.advance(datetime(2027, 3, 31, 14, 0, tzinfo=UTC) - clock.now())
    assert await goals.sweep() == 0  # once: nothing again on the due day
    await ana.nothing_more()
    await ana.press(t("en", "goals.open"), message=reminder)
    assert WHAT["en"] in await ana.receive_text()


async def test_the_reminder_is_skipped_for_a_goal_done_before(
    bot: BotHarness, clock: ManualClock
) -> None:
    ana, _ = await _pair_of(bot, "en")
    await _set_goal(ana, "en", "2026-12-10")
    await _open_first(ana)
    await press_and_read(ana, t("en", "goals.done"))
    clock.advance(datetime(2026, 12, 8, 0, 0, tzinfo=UTC) - clock.now())
    assert await bot.services.goals.sweep() == 0
    await ana.nothing_more()
