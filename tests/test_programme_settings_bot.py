"""``/programme`` beyond the first card, through the real Application: invite links are
disabled and renewed, matching weights are set in one tap each and change what mentees are
offered, a request's waiting time is chosen, and forged buttons change nothing."""

from __future__ import annotations

import pytest

from bot.i18n import t
from bot.services.matching import DEFAULT_WEIGHTS
from bot.services.profile import Step
from storage.models import Role
from tests.fake_telegram import FakeUser
from tests.harness import BotHarness
from tests.scenario import join_directly

pytestmark = pytest.mark.asyncio

COORDINATOR = 900  # configured in conftest's coordinator_ids


async def _settings(bot: BotHarness) -> tuple[FakeUser, int]:
    await bot.services.people.consent(COORDINATOR, language="en", invite=None)
    programme = await bot.services.people.ensure_default_programme("P")
    carla = bot.fake.user(COORDINATOR, "Carla")
    return carla, programme.id


async def test_a_disabled_invite_lets_nobody_in_until_a_new_one(bot: BotHarness) -> None:
    carla, programme_id = await _settings(bot)
    await carla.send("/programme")
    card = await carla.receive()
    await carla.press(t("en", "programme.view.invites"), message=card)
    invites = await carla.wait_edited(card)
    code = (await bot.services.programmes.get(COORDINATOR, programme_id)).invites[Role.MENTOR]
    assert code in (invites.text or "")
    disable = t("en", "programme.disable", role=t("en", "role.mentor"))
    assert (await carla.press(disable, message=invites)).text == t("en", "programme.saved")
    after = await carla.wait_edited(invites)
    assert code not in (after.text or "") and t("en", "programme.disabled") in (after.text or "")
    assert disable not in after.button_texts  # nothing left to disable
    programme = await bot.services.programmes.get(COORDINATOR, programme_id)
    assert Role.MENTOR not in programme.invites

    dora = bot.fake.user(201, "Dora")
    await dora.send(f"/start {code}")
    assert await dora.receive_text() == t("en", "start.bad_invite")
    await dora.receive()  # the privacy notice: she may still join without a role
    assert await bot.services.people.find_invite(code) is None

    await carla.press(t("en", "programme.rotate", role=t("en", "role.mentor")), message=after)
    fresh = (await bot.services.programmes.get(COORDINATOR, programme_id)).invites[Role.MENTOR]
    assert fresh != code and fresh in await carla.receive_text()
    assert await bot.services.people.find_invite(fresh) is not None


async def test_weights_are_set_with_one_tap_and_change_the_scores(bot: BotHarness) -> None:
    carla, programme_id = await _settings(bot)
    mentee = await join_directly(bot, 301, "Mia", Role.MENTEE, "en")
    await join_directly(bot, 201, "Dora", Role.MENTOR, "en")
    for telegram_id in (301, 201):
        await bot.services.people.answer(telegram_id, Step.FIELD, "paediatrics")
    person = await bot.services.people.lookup(mentee.id)
    assert person is not None
    _, before = await bot.services.pairing.suggestions(COORDINATOR, programme_id, person.id)
    assert "same_field" in {r.code for r in before[0].score.reasons}

    await carla.send("/programme")
    card = await carla.receive()
    await carla.press(t("en", "programme.view.weights"), message=card)
    weights = await carla.wait_edited(card)
    field_line = t("en", "weights.line", weight=t("en", "weights.field"), level="")
    assert field_line.split("<b>")[0] + "<b>" + t("en", "weights.level.normal") in (
        weights.text or ""
    )
    off = t("en", "weights.button.off", weight=t("en", "weights.field"))
    await carla.press(off, message=weights)
    changed = await carla.wait_edited(weights)
    assert "• " + off in changed.button_texts
    stored = (await bot.services.programmes.get(COORDINATOR, programme_id)).settings.weights
    assert stored == {"field": 0.0}
    _, after = await bot.services.pairing.suggestions(COORDINATOR, programme_id, person.id)
    assert after[0].score.value == pytest.approx(before[0].score.value - DEFAULT_WEIGHTS.field)

    await carla.press(f"ps:{programme_id}:weight:interest.high", message=changed)
    await carla.wait_edited(changed)
    stored = (await bot.services.programmes.get(COORDINATOR, programme_id)).settings.weights
    assert stored == {"field": 0.0, "interest": DEFAULT_WEIGHTS.interest * 2}


async def test_request_waiting_time_is_chosen_from_the_card(bot: BotHarness) -> None:
    carla, programme_id = await _settings(bot)
    await carla.send("/programme")
    card = await carla.receive()
    await carla.press(t("en", "programme.expiry", hours=168), message=card)
    redrawn = await carla.wait_edited(card)
    assert "<b>168 h</b>" in (redrawn.text or "")
    settings = (await bot.services.programmes.get(COORDINATOR, programme_id)).settings
    assert settings.request_expiry_hours == 168


async def test_forged_settings_buttons_change_nothing(bot: BotHarness) -> None:
    carla, programme_id = await _settings(bot)
    await carla.send("/programme")
    card = await carla.receive()
    for data in (
        f"ps:{programme_id}:weight:common_language.off",  # not offered: always the base
        f"ps:{programme_id}:weight:field.triple",
        f"ps:{programme_id}:weight:field",
        f"ps:{programme_id}:expiry:5",
        f"ps:{programme_id}:disable:superuser",
        f"ps:{programme_id}:view:secrets",
        "ps:99999999999999:view:main",
    ):
        assert (await carla.press_data(data, message=card)).text == t("en", "stale_button"), data
    mallory = await join_directly(bot, 302, "Mallory", Role.MENTEE, "en")
    for data in (f"ps:{programme_id}:weight:field.off", f"ps:{programme_id}:disable:mentor"):
        answer = await mallory.press_data(data, message=card)
        assert answer.text == t("en", "coordinator.only")
    programme = await bot.services.programmes.get(COORDINATOR, programme_id)
    assert programme.settings.weights == {}
    assert programme.settings.request_expiry_hours == 72
    assert set(programme.invites) == {Role.MENTEE, Role.MENTOR, Role.COORDINATOR}
