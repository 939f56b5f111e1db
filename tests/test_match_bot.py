"""``/match`` on a programme bigger than one screen: scores shown, pages turned, any pair
changed; and pairs that a rule forbids by the time of approval are listed with the rule."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.i18n import t
from bot.services.profile import Step
from storage.models import Role
from tests.fake_telegram import FakeUser
from tests.harness import BotHarness
from tests.scenario import join_directly

pytestmark = pytest.mark.asyncio

COORDINATOR = 900  # configured in conftest's coordinator_ids
MENTORS = range(200, 204)  # 4 mentors with 8 places each
MENTEES = range(300, 330)  # 30 mentees: two pages of the preview


async def _programme(bot: BotHarness) -> FakeUser:
    await bot.services.people.consent(COORDINATOR, language="en", invite=None)
    for telegram_id in MENTORS:
        await join_directly(bot, telegram_id, f"Mentor{telegram_id}", Role.MENTOR, "en")
        await bot.services.people.answer(telegram_id, Step.CAPACITY, 8)
    for telegram_id in MENTEES:
        await join_directly(bot, telegram_id, f"Mentee{telegram_id}", Role.MENTEE, "en")
    return bot.fake.user(COORDINATOR, "Carla")


def _pair_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if " ↔ " in line]


async def test_a_long_preview_has_pages_scores_and_every_pair_can_be_changed(
    bot: BotHarness,
) -> None:
    carla = await _programme(bot)
    await carla.send("/match")
    preview = await carla.receive()
    first_page = preview.text or ""
    assert t("en", "match.page", first=1, last=25, count=30) in first_page
    lines = _pair_lines(first_page)
    assert len(lines) == 25
    # Every pair shows its score, and the title the total.
    assert all(re.search(r"· <b>\d+\.\d</b>: ", line) for line in lines), lines[:3]
    assert re.search(r"total score \d+\.\d", first_page)
    assert t("en", "match.previous") not in preview.button_texts
    await carla.press(t("en", "match.next"), message=preview)
    second = await carla.wait_edited(preview)
    second_page = second.text or ""
    assert t("en", "match.page", first=26, last=30, count=30) in second_page
    assert len(_pair_lines(second_page)) == 5
    assert not set(_pair_lines(second_page)) & set(lines)  # the other five pairs
    assert t("en", "match.next") not in second.button_texts
    assert t("en", "match.previous") in second.button_texts

    # Change a pair that only the second page shows.
    await carla.press(t("en", "match.change"), message=second)
    pick = await carla.wait_edited(second)
    pairs_listed = [b for b in pick.button_texts if " ↔ " in b]
    assert len(pairs_listed) == 5 and t("en", "match.previous") in pick.button_texts
    last_pair = pairs_listed[-1]
    mentee_name = last_pair.split(" ↔ ")[0]
    await carla.press(last_pair, message=pick)
    options = await carla.wait_edited(pick)
    assert options.text == t("en", "match.pick_mentor", name=mentee_name)
    await carla.press(t("en", "match.leave_unmatched"), message=options)
    redrawn = await carla.wait_edited(options)
    assert t("en", "match.page", first=1, last=25, count=29) in (redrawn.text or "")
    assert f"{mentee_name}: {t('en', 'unmatched.by_coordinator')}" in (redrawn.text or "")

    await carla.press(t("en", "match.approve"), message=redrawn)
    assert await carla.receive_text() == t("en", "match.done", formed=29, skipped=0)
    left = await bot.services.people.lookup(int(mentee_name.removeprefix("Mentee")))
    assert left is not None
    assert await bot.services.pairing.pairs_of(left.telegram_id, as_role=Role.MENTEE) == []


async def test_forged_page_buttons_are_refused(bot: BotHarness) -> None:
    carla = await _programme(bot)
    await carla.send("/match")
    preview = await carla.receive()
    nonce = (preview.buttons[0][0].callback_data or "").split(":")[1]
    for data in (f"mv:{nonce}:7", f"mc:{nonce}:2", f"mv:{nonce}:x", "mv:deadbeef:1"):
        answer = await carla.press_data(data, message=preview)
        assert answer.text == t("en", "stale_button"), data
    mentee = bot.fake.user(MENTEES[0], f"Mentee{MENTEES[0]}")
    answer = await mentee.press_data(f"mv:{nonce}:1", message=preview)
    assert answer.text == t("en", "stale_button")  # not their draft: nothing to turn


async def test_pairs_a_rule_forbids_at_approval_are_listed_with_the_rule(
    bot: BotHarness, clock: ManualClock
) -> None:
    carla = await _programme(bot)
    await carla.send("/match")
    preview = await carla.receive()
    away = MENTORS[0]
    await bot.services.pairing.set_away(away, clock.now().date() + timedelta(days=7))
    await carla.press(t("en", "match.approve"), message=preview)
    done = await carla.receive_text()
    header, *skipped = done.splitlines()
    assert header.startswith(t("en", "match.done", formed=30 - len(skipped), skipped=len(skipped)))
    assert skipped  # the away mentor had mentees in the proposal
    assert all(line.endswith(f"Mentor{away}: {t('en', 'pair.refused.away')}") for line in skipped)
    assert await bot.services.pairing.pairs_of(away, as_role=Role.MENTOR) == []


async def test_a_mentor_whose_places_shrank_after_the_preview_is_never_overfilled(
    bot: BotHarness,
) -> None:
    carla = await _programme(bot)
    await carla.send("/match")
    preview = await carla.receive()
    full = MENTORS[1]
    await bot.services.people.answer(full, Step.CAPACITY, 1)  # from 8 places to 1
    await carla.press(t("en", "match.approve"), message=preview)
    _, *skipped = (await carla.receive_text()).splitlines()
    assert skipped
    assert all(
        line.endswith(f"Mentor{full}: {t('en', 'pair.refused.no_capacity')}") for line in skipped
    )
    assert len(await bot.services.pairing.pairs_of(full, as_role=Role.MENTOR)) == 1
