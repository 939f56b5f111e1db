"""Coordinator exclusions through the real Application: ``/exclude`` picks a mentee and a mentor
and confirms, ``/exclusions`` lists and removes; ``/pair``, ``/match`` and ``/findmentor`` then
never propose the two; only coordinators of that very programme may do any of it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.i18n import t
from storage.models import PairingExclusion, PairingRequest, Role
from tests.fake_telegram import BotMessage, FakeUser
from tests.harness import BotHarness
from tests.scenario import onboard_mentee, onboard_mentor

pytestmark = pytest.mark.asyncio

COORDINATOR = 900  # configured in conftest's coordinator_ids


@dataclass
class Programme:
    """Carla coordinates it; Ana (mentee) and Bruno (mentor) are members."""

    carla: FakeUser
    ana: FakeUser
    bruno: FakeUser
    id: int
    mentee_id: int
    mentor_id: int


async def _programme(bot: BotHarness) -> Programme:
    people = bot.services.people
    await people.consent(COORDINATOR, language="en", invite=None)
    ana, bruno = bot.fake.user(101, "Ana"), bot.fake.user(102, "Bruno")
    await onboard_mentee(ana, "en")
    await onboard_mentor(bruno, "en")
    mentee, mentor = await people.lookup(101), await people.lookup(102)
    assert mentee is not None and mentor is not None
    programme = await people.ensure_default_programme("P")
    carla = bot.fake.user(COORDINATOR, "Carla")
    return Programme(carla, ana, bruno, programme.id, mentee.id, mentor.id)


async def _stored(bot: BotHarness) -> list[tuple[int, int, int]]:
    async with bot.services.db.read() as s:
        rows = await s.execute(
            select(
                PairingExclusion.programme_id,
                PairingExclusion.mentor_id,
                PairingExclusion.mentee_id,
            )
        )
        return [tuple(row) for row in rows]


async def _exclude_bruno_for_ana(carla: FakeUser) -> BotMessage:
    """``/exclude`` → Ana → Bruno; returns the confirmation question."""
    await carla.send("/exclude")
    mentees = await carla.receive()
    assert mentees.text == t("en", "exclusion.pick_mentee", programme="Preceptor mentorship")
    assert mentees.button_texts == ["Ana"]
    await carla.press("Ana", message=mentees)
    mentors = await carla.receive()
    assert mentors.text == t("en", "exclusion.pick_mentor", name="Ana")
    assert mentors.button_texts == ["Bruno"]
    await carla.press("Bruno", message=mentors)
    return await carla.receive()


async def test_exclude_list_and_remove(bot: BotHarness) -> None:
    p = await _programme(bot)
    carla = p.carla
    await carla.send("/exclusions")
    none = t("en", "exclusion.none", programme="Preceptor mentorship")
    assert await carla.receive_text() == none

    confirm = await _exclude_bruno_for_ana(carla)
    names = {"mentee": "Ana", "mentor": "Bruno", "programme": "Preceptor mentorship"}
    assert confirm.text == t("en", "exclusion.confirm", **names)
    assert confirm.button_texts == [t("en", "exclusion.yes"), t("en", "exclusion.no")]
    assert await _stored(bot) == []  # nothing is saved before the confirmation
    await carla.press(t("en", "exclusion.yes"), message=confirm)
    await carla.wait_edited(confirm)
    assert confirm.text == t("en", "exclusion.done", **names) and not confirm.buttons
    assert await _stored(bot) == [(p.id, p.mentor_id, p.mentee_id)]

    await carla.send("/exclude")  # Bruno is the only mentor, and he is excluded for Ana now
    await carla.press("Ana", message=await carla.receive())
    assert await carla.receive_text() == t("en", "exclusion.no_mentors", name="Ana")

    await carla.send("/exclusions")
    listing = await carla.receive()
    assert t("en", "exclusion.line", n=1, mentee="Ana", mentor="Bruno") in (listing.text or "")
    remove = listing.buttons[0][0].callback_data or ""
    removed = await carla.press(t("en", "exclusion.remove", n=1), message=listing)
    assert removed.text == t("en", "exclusion.removed")
    await carla.wait_edited(listing)
    assert listing.text == none and not listing.buttons
    assert await _stored(bot) == []
    again = await carla.press_data(remove, message=listing)  # a double tap
    assert again.show_alert and again.text == t("en", "exclusion.gone")


async def test_cancel_saves_nothing(bot: BotHarness) -> None:
    p = await _programme(bot)
    confirm = await _exclude_bruno_for_ana(p.carla)
    await p.carla.press(t("en", "exclusion.no"), message=confirm)
    await p.carla.wait_edited(confirm)
    assert confirm.text == t("en", "exclusion.cancelled")
    assert await _stored(bot) == []


async def test_an_exclusion_keeps_the_current_pair_and_says_so(bot: BotHarness) -> None:
    p = await _programme(bot)
    await bot.services.pairing.pair(COORDINATOR, p.id, p.mentor_id, p.mentee_id)
    confirm = await _exclude_bruno_for_ana(p.carla)
    assert t("en", "exclusion.paired_now") in (confirm.text or "")
    await p.carla.press(t("en", "exclusion.yes"), message=confirm)
    await p.carla.wait_edited(confirm)
    assert t("en", "exclusion.paired_now") in (confirm.text or "")
    [pair] = await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE)
    assert pair.mentor_name == "Bruno"  # still paired: only /unpair ends it
    await p.carla.send("/exclusions")
    assert "Ana" in await p.carla.receive_text()


async def test_pair_and_match_respect_an_exclusion(bot: BotHarness) -> None:
    p = await _programme(bot)
    await bot.services.pairing.exclude(COORDINATOR, p.id, p.mentor_id, p.mentee_id)
    carla = p.carla
    await carla.send("/pair")
    await carla.press("Ana", message=await carla.receive())
    assert await carla.receive_text() == t("en", "pair.no_mentors", name="Ana")
    forged = await carla.press_data(
        f"pc:{p.id}:{p.mentor_id}:{p.mentee_id}", message=carla.inbox[-1]
    )
    assert forged.text == t("en", "pair.refused.excluded")
    await carla.send("/match")
    preview = await carla.receive_text()
    assert f"Ana: {t('en', 'unmatched.all_excluded')}" in preview
    assert await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE) == []


async def test_findmentor_respects_an_exclusion(bot: BotHarness) -> None:
    p = await _programme(bot)
    await bot.services.programmes.update_settings(COORDINATOR, p.id, pairing_mode="choice")
    await p.ana.send("/findmentor")
    cards = await p.ana.receive()
    assert "Bruno" in (cards.text or "")
    await bot.services.pairing.exclude(COORDINATOR, p.id, p.mentor_id, p.mentee_id)
    await p.ana.send("/findmentor")
    assert await p.ana.receive_text() == t("en", "findmentor.nobody")
    stale = await p.ana.press(t("en", "findmentor.ask", name="Bruno"), message=cards)
    assert stale.show_alert  # the old card no longer asks him
    await p.bruno.nothing_more()
    async with bot.services.db.read() as s:
        assert (await s.scalars(select(PairingRequest))).all() == []


async def test_exclusions_are_for_coordinators_only(bot: BotHarness) -> None:
    p = await _programme(bot)
    ana = p.ana
    for command in ("/exclude", "/exclusions"):
        await ana.send(command)
        assert await ana.receive_text() == t("en", "coordinator.only")
    ids = f"{p.id}:{p.mentee_id}:{p.mentor_id}"
    for data in (f"xp:{p.id}", f"xl:{p.id}", f"xm:{p.id}:{p.mentee_id}", f"xc:{ids}", f"xy:{ids}"):
        refused = await ana.press_data(data, message=ana.inbox[-1])
        assert refused.show_alert and refused.text == t("en", "coordinator.only"), data
    for data in ("xy:1:2", "xr:x:1:2", "xz:1"):
        refused = await ana.press_data(data, message=ana.inbox[-1])
        assert refused.text == t("en", "stale_button"), data
    await bot.services.pairing.exclude(COORDINATOR, p.id, p.mentor_id, p.mentee_id)
    refused = await ana.press_data(f"xr:{ids}", message=ana.inbox[-1])
    assert refused.text == t("en", "coordinator.only")
    assert await _stored(bot) == [(p.id, p.mentor_id, p.mentee_id)]
    await p.carla.send("/help")
    help_text = await p.carla.receive_text()
    assert "/exclude " in help_text and "/exclusions " in help_text


async def test_a_coordinator_of_another_programme_cannot_exclude_here(bot: BotHarness) -> None:
    p = await _programme(bot)
    carla = p.carla
    await carla.send("/newprogram Urban Surgery")
    await carla.receive()
    [_, urban] = await bot.services.programmes.coordinated_by(COORDINATOR)
    invite = await bot.services.people.find_invite(urban.invites[Role.COORDINATOR])
    await bot.services.people.consent(901, language="en", invite=invite)
    dave = bot.fake.user(901, "Dave")

    await dave.send("/exclude")  # one programme: straight to its (missing) mentees
    assert await dave.receive_text() == t("en", "exclusion.no_mentees", programme=urban.name)
    ids = f"{p.id}:{p.mentee_id}:{p.mentor_id}"
    for data in (f"xp:{p.id}", f"xm:{p.id}:{p.mentee_id}", f"xc:{ids}", f"xy:{ids}"):
        refused = await dave.press_data(data, message=dave.inbox[-1])
        assert refused.text == t("en", "coordinator.only"), data
    # Her own programme, but the ids in the wrong roles (the mentor given as the mentee).
    wrong_role = await carla.press_data(
        f"xy:{p.id}:{p.mentor_id}:{p.mentee_id}", message=carla.inbox[-1]
    )
    assert wrong_role.text == t("en", "pair.refused.not_members")
    assert await _stored(bot) == []

    await carla.send("/exclusions")  # several programmes: which one first
    pick = await carla.receive()
    assert pick.text == t("en", "pair.pick_programme")
    assert pick.button_texts == ["Preceptor mentorship", "Urban Surgery"]
    await carla.press("Urban Surgery", message=pick)
    assert await carla.receive_text() == t("en", "exclusion.none", programme="Urban Surgery")
    await carla.send("/exclude")
    await carla.press("Preceptor mentorship", message=await carla.receive())
    assert "Ana" in (await carla.receive()).button_texts
