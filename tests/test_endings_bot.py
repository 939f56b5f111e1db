"""Ending pairs and pairing again, through the real Application: whoever ends a pair, the mentee
is offered a new match the way the programme pairs people (mentors to ask in a mentee-choice
programme, else the waiting list and a coordinator's one-tap ``/pair``); a coordinator who ends
a pair rates it too, or skips; and two people paired before are paired again only when a
coordinator insists with the button for it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.i18n import t
from bot.services.programmes import PairingMode
from storage.database import Database
from storage.models import Pairing, PairingStatus, Role
from tests.fake_telegram import BotMessage, FakeUser
from tests.harness import BotHarness
from tests.scenario import join_directly, press_and_read

pytestmark = pytest.mark.asyncio

COORDINATOR = 900  # configured in conftest's coordinator_ids


@dataclass
class Programme:
    """Carla coordinates; Ana is Bruno's mentee; Dora is another mentor with free places."""

    id: int
    name: str
    carla: FakeUser
    ana: FakeUser
    bruno: FakeUser
    dora: FakeUser | None
    ids: dict[str, int]


async def _paired(
    bot: BotHarness, mode: PairingMode, *, lang: str = "en", dora: bool = True
) -> Programme:
    await bot.services.people.consent(COORDINATOR, language="en", invite=None)
    programme = await bot.services.people.ensure_default_programme("P")
    await bot.services.programmes.update_settings(COORDINATOR, programme.id, pairing_mode=mode)
    ana = await join_directly(bot, 101, "Ana", Role.MENTEE, lang)
    bruno = await join_directly(bot, 102, "Bruno", Role.MENTOR, lang)
    other = await join_directly(bot, 105, "Dora", Role.MENTOR, lang) if dora else None
    ids = {}
    for name, telegram_id in (("ana", 101), ("bruno", 102), ("dora", 105)):
        person = await bot.services.people.lookup(telegram_id)
        if person is not None:
            ids[name] = person.id
    await bot.services.pairing.pair(COORDINATOR, programme.id, ids["bruno"], ids["ana"])
    bot.services.outbox.notify()
    await ana.receive(timeout=10)  # the introductions
    await bruno.receive(timeout=10)
    carla = bot.fake.user(COORDINATOR, "Carla")
    return Programme(programme.id, programme.name, carla, ana, bruno, other, ids)


async def _end(user: FakeUser, lang: str, *, rating: str = "4", reason: str = "no_fit") -> str:
    """``/endpair`` on the user's only pair, rated and with a reason; the reply's text."""
    await user.send("/endpair")
    await user.receive()
    await user.press("Ana ↔ Bruno")
    await user.receive()  # the rating
    await user.press(rating)
    await user.receive()  # the reason
    return await press_and_read(user, t(lang, f"endreason.{reason}"))


def _latest_with_buttons(user: FakeUser) -> BotMessage:
    return next(m for m in reversed(user.inbox) if m.buttons)


async def _pairing(db: Database, pairing_id: int) -> Pairing:
    async with db.read() as s:
        found = await s.get(Pairing, pairing_id)
    assert found is not None
    return found


# -- the mentee's new match -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_a_mentee_whose_mentor_ends_is_offered_other_mentors_to_ask(
    bot: BotHarness, lang: str
) -> None:
    p = await _paired(bot, "choice", lang=lang)
    assert p.dora is not None
    await _end(p.bruno, lang)
    offer = await p.ana.receive(timeout=10)
    text = offer.text or ""
    assert text.startswith(t(lang, "pair.ended.mentee_offer", offer="").strip())
    assert "<b>Dora</b>" in text and "Bruno" not in text  # never the mentor who ended it
    assert offer.button_texts == [t(lang, "findmentor.ask", name="Dora")]
    await p.ana.press(t(lang, "findmentor.ask", name="Dora"), message=offer)
    assert "Ana" in await p.dora.receive_text(timeout=10)  # the request, with Ana's card
    await p.carla.nothing_more()  # Ana has mentors to ask: nothing for the coordinator


async def test_a_mentee_who_ends_reads_the_offer_in_the_reply(bot: BotHarness) -> None:
    p = await _paired(bot, "choice")
    done = await _end(p.ana, "en", rating="2")
    assert done.startswith(t("en", "endpair.done", mentee="Ana", mentor="Bruno"))
    assert "<b>Dora</b>" in done and "<b>Bruno</b>" not in done  # the cards
    reply = _latest_with_buttons(p.ana)
    assert reply.button_texts == [t("en", "findmentor.ask", name="Dora")]
    assert await p.bruno.receive_text(timeout=10) == t("en", "pair.ended.mentor")
    assert "📨" in await press_and_read(p.ana, t("en", "findmentor.ask", name="Dora"))
    await p.carla.nothing_more()


@pytest.mark.parametrize("ender", ["mentor", "mentee"])
async def test_in_a_coordinator_programme_the_mentee_waits_and_coordinators_can_pair_her(
    bot: BotHarness, ender: str
) -> None:
    p = await _paired(bot, "coordinator")
    if ender == "mentor":
        await _end(p.bruno, "en")
        assert await p.ana.receive_text(timeout=10) == t("en", "pair.ended.mentee")
    else:
        done = await _end(p.ana, "en")
        assert done.endswith(t("en", "end.offer.waiting"))
        assert await p.bruno.receive_text(timeout=10) == t("en", "pair.ended.mentor")
    notice = await p.carla.receive(timeout=10)
    assert notice.text == t(
        "en", "end.offer.coordinator", mentee="Ana", mentor="Bruno", programme=p.name
    )
    assert notice.button_texts == [t("en", "end.offer.pair_now", name="Ana")]
    await p.carla.press(t("en", "end.offer.pair_now", name="Ana"), message=notice)
    proposal = await p.carla.receive()
    assert proposal.button_texts == ["1. Dora", t("en", "pair.insist.previous", name="Bruno")]
    await p.carla.press("1. Dora", message=proposal)
    assert await p.carla.receive_text() == t("en", "pair.done", mentee="Ana", mentor="Dora")
    assert "Dora" in await p.ana.receive_text(timeout=10)


async def test_a_choice_programme_with_no_mentor_left_asks_the_coordinators(
    bot: BotHarness,
) -> None:
    p = await _paired(bot, "choice", dora=False)
    await _end(p.bruno, "en")
    offer = await p.ana.receive(timeout=10)
    assert offer.text == t("en", "pair.ended.mentee_offer", offer=t("en", "end.offer.nobody"))
    assert not offer.buttons
    notice = await p.carla.receive(timeout=10)
    assert notice.button_texts == [t("en", "end.offer.pair_now", name="Ana")]


# -- the coordinator's rating ------------------------------------------------------------------


@pytest.mark.parametrize(("tap", "stored"), [("3", 3), ("Skip", None)])
async def test_a_coordinator_rates_an_ending_or_skips_it(
    bot: BotHarness, db: Database, tap: str, stored: int | None
) -> None:
    p = await _paired(bot, "coordinator")
    [pair] = await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE)
    await p.carla.send("/unpair")
    pick = await p.carla.receive()
    await p.carla.press("Ana ↔ Bruno", message=pick)
    rate = await p.carla.receive()
    assert rate.text == t("en", "end.rate_coordinator")
    assert rate.button_texts == ["1", "2", "3", "4", "5", t("en", "end.skip")]
    await p.carla.press(tap, message=rate)
    assert (await p.carla.receive()).text == t("en", "endpair.reason")
    done = await press_and_read(p.carla, t("en", "endreason.finished"))
    assert done.startswith(t("en", "endpair.done", mentee="Ana", mentor="Bruno"))
    # Her own reply carries the waiting mentee's button; the outbox does not repeat it.
    assert _latest_with_buttons(p.carla).button_texts == [
        t("en", "end.offer.pair_now", name="Ana")
    ]
    assert not pick.buttons and not rate.buttons
    ended = await _pairing(db, pair.id)
    coordinator = await bot.services.people.lookup(COORDINATOR)
    assert coordinator is not None
    assert (ended.status, ended.end_rating, ended.end_reason, ended.ended_by) == (
        PairingStatus.ENDED, stored, "finished", coordinator.id
    )  # fmt: skip
    assert await p.ana.receive_text(timeout=10) == t("en", "pair.ended.mentee")
    assert await p.bruno.receive_text(timeout=10) == t("en", "pair.ended.mentor")
    await p.carla.nothing_more()


async def test_forged_ending_buttons_are_refused_before_any_step(bot: BotHarness) -> None:
    await _paired(bot, "coordinator")
    [pair] = await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE)
    eve = await join_directly(bot, 103, "Eve", Role.MENTEE, "en")
    await eve.send("/help")
    message = await eve.receive()
    seen = len(eve.inbox)
    for outsider in (f"ep:{pair.id}", f"er:{pair.id}:3", f"ex:{pair.id}:3:other"):
        answer = await eve.press_data(outsider, message=message)
        assert answer.show_alert and answer.text == t("en", "pair.refused.not_yours")
    for forged in (f"er:{pair.id}:9", f"er:{pair.id}:x", "er:", f"ex:{pair.id}:3:gone"):
        assert (await eve.press_data(forged, message=message)).text == t("en", "stale_button")
    assert len(eve.inbox) == seen  # no rating or reason question was sent
    assert await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE) == [pair]


# -- pairing the same two again ----------------------------------------------------------------


async def test_a_coordinator_insists_on_pairing_two_again(bot: BotHarness) -> None:
    p = await _paired(bot, "coordinator", dora=False)
    await _end(p.ana, "en", rating="2", reason="no_time")
    await p.bruno.receive(timeout=10)
    await p.carla.receive(timeout=10)  # Ana waits
    await p.carla.send("/pair")
    await p.carla.press("Ana", message=await p.carla.receive())
    proposal = await p.carla.receive()
    assert proposal.text == t("en", "pair.no_mentors", name="Ana")
    previous = t("en", "pair.insist.previous", name="Bruno")
    assert proposal.button_texts == [previous]
    refused = await p.carla.press(previous, message=proposal)
    assert not refused.show_alert
    insist = await p.carla.receive()
    assert insist.text == t(
        "en",
        "pair.insist.ask",
        mentee="Ana",
        mentor="Bruno",
        date="2026-11-18",
        reason=t("en", "endreason.no_time"),
        rating="2/5",
    )
    assert insist.button_texts == [t("en", "pair.insist.button")]
    assert await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE) == []  # not yet
    await p.carla.press(t("en", "pair.insist.button"), message=insist)
    assert await p.carla.receive_text() == t("en", "pair.done", mentee="Ana", mentor="Bruno")
    assert not insist.buttons
    assert "Bruno" in await p.ana.receive_text(timeout=10)  # both introduced again
    assert "Ana" in await p.bruno.receive_text(timeout=10)
    [again] = await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE)
    assert again.mentor_name == "Bruno"
    stale = await p.carla.press_data(f"pi:{p.id}:{p.ids['bruno']}:{p.ids['ana']}", insist)
    assert stale.show_alert and stale.text == t("en", "pair.refused.has_mentor")


async def test_a_forged_insist_button_is_refused_and_changes_nothing(bot: BotHarness) -> None:
    p = await _paired(bot, "coordinator")
    [pair] = await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE)
    await bot.services.pairing.end(COORDINATOR, pair.id, reason="no_fit", rating=None)
    insist = f"pi:{p.id}:{p.ids['bruno']}:{p.ids['ana']}"
    await p.ana.send("/help")
    message = await p.ana.receive()
    forged = await p.ana.press_data(insist, message=message)
    assert forged.show_alert and forged.text == t("en", "coordinator.only")
    for bad in ("pi:1:x:2", f"pi:{p.id}:{p.ids['bruno']}", "pi:"):
        assert (await p.ana.press_data(bad, message=message)).text == t("en", "stale_button")
    # The wrong way round (a mentee as the mentor) is refused by the rules, even insisting.
    await p.carla.send("/help")
    carla_message = await p.carla.receive()
    wrong = await p.carla.press_data(
        f"pi:{p.id}:{p.ids['ana']}:{p.ids['bruno']}", message=carla_message
    )
    assert wrong.text == t("en", "pair.refused.not_members")
    assert await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE) == []
    assert await bot.services.pairing.pairs_of(102, as_role=Role.MENTOR) == []
