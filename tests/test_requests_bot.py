"""Mentee-choice programmes through the real Application: /findmentor cards (and which programme,
for a mentee in several), a request, the mentor's Accept / Decline, the *Ask for more* relay
between the two, and the minute sweep that reminds and expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.i18n import t
from bot.services.requests import RELAY_MAX
from storage.models import PairingRequest, Role
from tests.fake_telegram import BotMessage, FakeUser
from tests.harness import BotHarness
from tests.scenario import onboard_mentee, onboard_mentor, press_and_read

pytestmark = pytest.mark.asyncio

COORDINATOR = 900


async def choice_programme(
    bot: BotHarness, lang: str = "en"
) -> tuple[FakeUser, FakeUser, FakeUser]:
    """Ana (mentee) and Bruno (mentor) onboarded in a mentee-choice programme coordinated by
    Carla, whose requests live 48 h (as long as the answer time: the reminder comes halfway)."""
    await bot.services.people.consent(COORDINATOR, language="en", invite=None)
    programme = await bot.services.people.ensure_default_programme("P")
    await bot.services.programmes.update_settings(
        COORDINATOR, programme.id, pairing_mode="choice", request_expiry_hours=48
    )
    ana = bot.fake.user(101, "Ana", username="ana_cusco", language_code=lang)
    bruno = bot.fake.user(102, "Bruno", username="bruno_md", language_code=lang)
    carla = bot.fake.user(COORDINATOR, "Carla")
    await onboard_mentee(ana, lang)
    await onboard_mentor(bruno, lang)
    return ana, bruno, carla


async def ask_bruno(ana: FakeUser, lang: str = "en") -> None:
    """Ana opens /findmentor, checks Bruno's card and asks him."""
    await ana.send("/findmentor")
    cards = await ana.receive()
    assert "Bruno" in (cards.text or "") and "@" not in (cards.text or "")
    # The card: field, stage, languages and bio, then why they fit.
    for fact in (
        t(lang, "field.paediatrics"),
        t(lang, "stage.years_10_20"),
        t(lang, "spoken.es"),
        "Residente en Cusco",
    ):
        assert fact in (cards.text or ""), fact
    assert "📨" in await press_and_read(ana, t(lang, "findmentor.ask", name="Bruno"))


async def test_a_mentee_chooses_and_the_mentor_accepts(bot: BotHarness) -> None:
    ana, bruno, _ = await choice_programme(bot)
    await ask_bruno(ana)
    request = await bruno.receive(timeout=10)
    assert "Ana" in (request.text or "")
    assert request.button_texts == [
        t("en", "request.accept"), t("en", "request.decline"), t("en", "request.ask_more")
    ]  # fmt: skip
    await ana.send("/findmentor")
    assert await ana.receive_text() == t("en", "findmentor.pending", name="Bruno", programme="")
    accept = request.buttons[0][0].callback_data or ""
    assert "Ana" in await press_and_read(bruno, t("en", "request.accept"))
    assert "Bruno" in await ana.receive_text(timeout=10)  # the introduction
    await ana.send("/mymentor")
    assert "Bruno" in await ana.receive_text()
    again = await bruno.press_data(accept, message=request)
    assert again.text == t("en", "request.closed")


def declined_alone(name: str = "Bruno") -> str:
    """What a mentee hears when the only mentor there was says no (or does not answer)."""
    return t("en", "request.declined", name=name) + "\n\n" + t("en", "request.nobody_left")


async def test_a_declined_mentee_is_told_and_stays_unpaired(bot: BotHarness) -> None:
    ana, bruno, carla = await choice_programme(bot)
    await ask_bruno(ana)
    request = await bruno.receive(timeout=10)
    await bruno.press(t("en", "request.decline"), message=request)
    assert await ana.receive_text(timeout=10) == declined_alone()  # nobody else to offer
    programme = await bot.services.people.ensure_default_programme("P")
    stranded = t(
        "en",
        "request.stranded_coordinator",
        mentee="Ana",
        mentor="Bruno",
        programme=programme.name,
    )
    assert await carla.receive_text(timeout=10) == stranded
    assert await bot.services.pairing.pairs_of(101, as_role="mentee") == []


async def _asked(bot: BotHarness, lang: str = "en") -> tuple[FakeUser, FakeUser, BotMessage]:
    """Ana asked Bruno; returns both and the request as Bruno got it."""
    ana, bruno, _ = await choice_programme(bot, lang)
    await ask_bruno(ana, lang)
    return ana, bruno, await bruno.receive(timeout=10)


async def _ask_for_more(bruno: FakeUser, request: BotMessage, lang: str = "en") -> None:
    answer = await bruno.press(t(lang, "request.ask_more"), message=request)
    assert not answer.show_alert
    prompt = t(lang, "request.write.mentor", name="Ana", limit=RELAY_MAX)
    assert await bruno.receive_text() == prompt


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_ask_for_more_relays_a_question_and_its_answer(bot: BotHarness, lang: str) -> None:
    ana, bruno, request = await _asked(bot, lang)
    await _ask_for_more(bruno, request, lang)
    question = "¿En qué año de residencia estás & qué <buscas>?"
    await bruno.send(question)
    assert await bruno.receive_text() == t(lang, "request.sent.mentor", name="Ana")
    relayed = await ana.receive(timeout=10)
    assert relayed.text == t(lang, "request.question", name="Bruno", question=question)
    assert "bruno_md" not in (relayed.text or "")  # his name, never his username
    assert relayed.button_texts == [t(lang, "request.reply")]

    await ana.press(t(lang, "request.reply"), message=relayed)
    prompt = t(lang, "request.write.mentee", name="Bruno", limit=RELAY_MAX)
    assert await ana.receive_text() == prompt
    await ana.send("  Segundo año; quiero aprender pediatría rural.  ")
    assert await ana.receive_text() == t(lang, "request.sent.mentee", name="Bruno")
    answer = await bruno.receive(timeout=10)
    reply = "Segundo año; quiero aprender pediatría rural."
    assert answer.text == t(lang, "request.answer", name="Ana", answer=reply)
    assert "ana_cusco" not in (answer.text or "")
    assert answer.button_texts == [
        t(lang, "request.accept"), t(lang, "request.decline"), t(lang, "request.ask_more")
    ]  # fmt: skip

    # The answer's own buttons decide the request; the request's old ones are then spent.
    await bruno.press(t(lang, "request.accept"), message=answer)
    await bruno.wait_edited(answer)
    assert answer.text == t(lang, "request.done.accept", name="Ana")
    assert "Bruno" in await ana.receive_text(timeout=10)  # the introductions
    assert "Ana" in await bruno.receive_text(timeout=10)
    late = await ana.press(t(lang, "request.reply"), message=relayed)
    assert late.show_alert and late.text == t(lang, "request.closed")
    again = await bruno.press(t(lang, "request.ask_more"), message=request)
    assert again.text == t(lang, "request.closed")
    await ana.nothing_more()
    await bruno.nothing_more()


async def test_bad_questions_are_explained_and_waited_for_again(bot: BotHarness) -> None:
    ana, bruno, request = await _asked(bot)
    await _ask_for_more(bruno, request)
    await bruno.send_voice()
    assert await bruno.receive_text() == t("en", "request.relay.not_text", limit=RELAY_MAX)
    await bruno.send("   ")
    assert await bruno.receive_text() == t("en", "request.relay.empty")
    await bruno.send("x" * (RELAY_MAX + 1))
    too_long = t("en", "request.relay.too_long", length=RELAY_MAX + 1, limit=RELAY_MAX)
    assert await bruno.receive_text() == too_long
    await ana.nothing_more()
    await bruno.send("y" * RELAY_MAX)  # exactly the limit is fine
    assert await bruno.receive_text() == t("en", "request.sent.mentor", name="Ana")
    relayed = await ana.receive(timeout=10)
    await ana.press(t("en", "request.reply"), message=relayed)
    await ana.receive()  # the prompt
    await ana.send_photo(caption="me")
    assert await ana.receive_text() == t("en", "request.relay.not_text", limit=RELAY_MAX)
    await ana.send("z" * (RELAY_MAX + 5))
    too_long = t("en", "request.relay.too_long", length=RELAY_MAX + 5, limit=RELAY_MAX)
    assert await ana.receive_text() == too_long
    await bruno.nothing_more()


async def test_cancel_stops_the_question_and_nothing_is_relayed(bot: BotHarness) -> None:
    ana, bruno, request = await _asked(bot)
    await _ask_for_more(bruno, request)
    await bruno.send("/cancel")
    assert await bruno.receive_text() == t("en", "cancel.done")
    await bruno.send("Something I no longer want to ask")
    assert await bruno.receive_text() == t("en", "unknown.message")
    await ana.nothing_more()


async def test_only_the_two_may_use_the_relay_buttons(bot: BotHarness) -> None:
    ana, bruno, request = await _asked(bot)
    request_id = (request.buttons[1][0].callback_data or "").split(":")[2]
    eve = bot.fake.user(103, "Eve")
    await onboard_mentee(eve, "en")
    for who, data in ((ana, f"rq:m:{request_id}"), (bruno, f"rq:y:{request_id}")):
        refused = await who.press_data(data, message=who.inbox[-1])  # the wrong side
        assert refused.show_alert and refused.text == t("en", "pair.refused.not_yours")
    for data in (f"rq:m:{request_id}", f"rq:y:{request_id}", "rq:y:999999", "rq:y:x"):
        refused = await eve.press_data(data, message=eve.inbox[-1])
        assert refused.text in (t("en", "pair.refused.not_yours"), t("en", "stale_button"))
    for user in (ana, bruno, eve):
        await user.send("hello?")  # nobody was left waiting to write
        assert await user.receive_text() == t("en", "unknown.message")


async def test_the_relay_stops_when_the_request_expires(
    bot: BotHarness, clock: ManualClock
) -> None:
    ana, bruno, request = await _asked(bot)
    await _ask_for_more(bruno, request)
    clock.advance(timedelta(hours=49))  # past the deadline, before the sweep noticed
    await bruno.send("What is your main goal?")
    assert await bruno.receive_text() == t("en", "request.closed")
    await ana.nothing_more()
    await bruno.send("And now?")  # the step is over
    assert await bruno.receive_text() == t("en", "unknown.message")
    late = await bruno.press(t("en", "request.ask_more"), message=request)
    assert late.show_alert and late.text == t("en", "request.closed")


async def test_a_mentee_cannot_reply_once_the_mentor_declined(bot: BotHarness) -> None:
    ana, bruno, request = await _asked(bot)
    await _ask_for_more(bruno, request)
    await bruno.send("Why this field?")
    await bruno.receive()
    relayed = await ana.receive(timeout=10)
    await ana.press(t("en", "request.reply"), message=relayed)
    await ana.receive()  # the prompt: she starts writing…
    await bruno.press(t("en", "request.decline"), message=request)
    assert await ana.receive_text(timeout=10) == declined_alone()
    await ana.send("Because I grew up in the Andes.")  # …and sends after the decline
    assert await ana.receive_text() == t("en", "request.closed")
    refused = await ana.press(t("en", "request.reply"), message=relayed)
    assert refused.text == t("en", "request.closed")
    await bruno.nothing_more()


async def test_an_unanswered_request_is_reminded_once_then_expires(
    bot: BotHarness, clock: ManualClock
) -> None:
    ana, bruno, carla = await choice_programme(bot)
    await ask_bruno(ana)
    request = await bruno.receive(timeout=10)
    requests = bot.services.requests
    clock.advance(timedelta(hours=25))
    assert await requests.sweep() == 1
    bot.services.outbox.notify()
    assert await bruno.receive_text(timeout=10) == t("en", "request.reminder", name="Ana")
    assert await requests.sweep() == 0  # reminded once only
    clock.advance(timedelta(hours=24))
    assert await requests.sweep() == 1
    bot.services.outbox.notify()
    expired = t("en", "request.expired", name="Bruno") + "\n\n" + t("en", "request.nobody_left")
    assert await ana.receive_text(timeout=10) == expired
    assert "Bruno" in await carla.receive_text(timeout=10)
    late = await bruno.press_data(request.buttons[0][0].callback_data or "", message=request)
    assert late.text == t("en", "request.closed")
    await ana.send("/findmentor")  # a fresh look shows every mentor the rules allow, him too
    assert "Bruno" in await ana.receive_text()


async def test_forged_request_buttons_are_refused(bot: BotHarness) -> None:
    ana, bruno, _ = await choice_programme(bot)
    await ask_bruno(ana)
    request = await bruno.receive(timeout=10)
    data = request.buttons[0][0].callback_data or ""
    stolen = await ana.press_data(data, message=ana.inbox[-1])  # the mentee is not the mentor
    assert stolen.text == t("en", "pair.refused.not_yours")
    for forged in ("rq:a:999999", "rq:z:1", "rq:r:1", "rq:a:x"):
        answer = await bruno.press_data(forged, message=request)
        assert answer.text in (t("en", "pair.refused.not_yours"), t("en", "stale_button"))
    assert await bot.services.pairing.pairs_of(101, as_role="mentee") == []


async def test_findmentor_in_a_coordinator_paired_programme(bot: BotHarness) -> None:
    ana = bot.fake.user(101, "Ana")
    await onboard_mentee(ana, "en")
    await ana.send("/findmentor")
    assert await ana.receive_text() == t("en", "findmentor.not_choice")


async def test_the_sweep_reads_only_requests_that_are_due(
    bot: BotHarness, clock: ManualClock
) -> None:
    ana, bruno, _ = await choice_programme(bot)
    await ask_bruno(ana)
    await bruno.receive(timeout=10)
    requests = bot.services.requests
    # The answer time (48 h) is not shorter than the request's life (48 h): remind halfway.
    for _ in range(3):  # 1 h, 12 h, 23 h in: before halfway nothing is due or changed
        clock.advance(timedelta(hours=1) if _ == 0 else timedelta(hours=11))
        assert await requests.sweep() == 0
    async with bot.services.db.read() as s:
        request = (await s.scalars(select(PairingRequest))).one()
    assert request.next_check_at == request.created_at + timedelta(hours=24)
    clock.advance(timedelta(hours=2))
    assert await requests.sweep() == 1
    async with bot.services.db.read() as s:
        request = (await s.scalars(select(PairingRequest))).one()
    assert request.reminded_at is not None and request.next_check_at == request.expires_at


async def second_choice_programme(bot: BotHarness, name: str) -> int:
    """Another mentee-choice programme of the coordinator; returns its id."""
    programme = await bot.services.programmes.create(COORDINATOR, name)
    await bot.services.programmes.update_settings(COORDINATOR, programme.id, pairing_mode="choice")
    return programme.id


async def join_programme(bot: BotHarness, telegram_id: int, programme_id: int, role: Role) -> None:
    programme = await bot.services.programmes.get(COORDINATOR, programme_id)
    invite = await bot.services.people.find_invite(programme.invites[role])
    await bot.services.people.consent(telegram_id, language="en", invite=invite)


async def test_a_mentee_in_two_programmes_picks_one_first(bot: BotHarness) -> None:
    ana, bruno, _ = await choice_programme(bot)
    dora = bot.fake.user(104, "Dora")
    await onboard_mentor(dora, "en")
    rural = await second_choice_programme(bot, "Rural 2027")
    await join_programme(bot, 101, rural, Role.MENTEE)
    await join_programme(bot, 104, rural, Role.MENTOR)

    await ana.send("/findmentor")
    pick = await ana.receive()
    assert pick.text == t("en", "findmentor.pick_programme")
    assert pick.button_texts == ["Preceptor mentorship", "Rural 2027"]
    assert pick.buttons[1][0].callback_data == f"rq:p:{rural}"
    await ana.press("Rural 2027", message=pick)
    cards = await ana.receive()
    assert "Dora" in (cards.text or "") and "Bruno" not in (cards.text or "")  # Rural's only
    assert not pick.buttons  # the question is answered
    await ana.press(t("en", "findmentor.ask", name="Dora"), message=cards)
    asked = await dora.receive(timeout=10)
    assert "Rural 2027" in (asked.text or "")
    async with bot.services.db.read() as s:
        request = (await s.scalars(select(PairingRequest))).one()
    assert request.programme_id == rural

    await dora.press(t("en", "request.accept"), message=asked)
    await ana.receive(timeout=10)  # the introduction
    await ana.send("/findmentor")  # paired in Rural: only the other programme is left open
    cards = await ana.receive()
    assert (
        cards.text != pick.text and t("en", "findmentor.ask", name="Bruno") in cards.button_texts
    )
    await bruno.nothing_more()


async def test_forged_programme_ids_are_refused(bot: BotHarness) -> None:
    ana, bruno, _ = await choice_programme(bot)
    other = await second_choice_programme(bot, "Not Ana's")
    await join_programme(bot, 102, other, Role.MENTOR)
    coordinated = await bot.services.programmes.create(COORDINATOR, "Coordinator pairs")
    await join_programme(bot, 101, coordinated.id, Role.MENTEE)  # a member, but not a choosing one
    mentor = await bot.services.people.lookup(102)
    assert mentor is not None
    await ana.send("/findmentor")  # one open choice programme: no question asked
    cards = await ana.receive()
    assert "Bruno" in (cards.text or "")
    for data in (
        f"rq:p:{other}",
        f"rq:p:{coordinated.id}",
        "rq:p:999999",
        f"rq:r:{other}:{mentor.id}",
        f"rq:r:{coordinated.id}:{mentor.id}",
    ):
        refused = await ana.press_data(data, message=cards)
        assert refused.show_alert and refused.text == t("en", "findmentor.not_member"), data
    await ana.nothing_more()
    await bruno.nothing_more()
    async with bot.services.db.read() as s:
        assert (await s.scalars(select(PairingRequest))).all() == []
