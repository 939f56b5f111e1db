"""The rules around a mentee's request, through the real Application: only a mentor the mentee
may ask can be asked (whatever a forged or stale button says), the mentor is reminded once the
programme's answer time has passed, a request that ends without a pair offers the mentee other
mentors, and a mentor who is full or away when pressing Accept gets no new mentee."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.clock import ManualClock
from bot.i18n import t
from bot.services.profile import Step
from storage.models import Membership, OutboxMessage, PairingRequest, RequestStatus, Role
from tests.fake_telegram import BotMessage, FakeUser
from tests.harness import BotHarness
from tests.scenario import join_directly, press_and_read
from tests.test_requests_bot import (
    COORDINATOR,
    ask_bruno,
    choice_programme,
    join_programme,
    second_choice_programme,
)

pytestmark = pytest.mark.asyncio


async def _fitting_mentor(
    bot: BotHarness, telegram_id: int, name: str, *, programme_id: int | None = None
) -> FakeUser:
    """A mentor who fits Ana (paediatrics, 10-20 years, Spanish, three places), set up through
    the services: in the default programme, or only in ``programme_id``."""
    people = bot.services.people
    if programme_id is None:
        await people.consent(telegram_id, language="en", invite=None)
        await people.choose_role(telegram_id, Role.MENTOR)
    else:
        await join_programme(bot, telegram_id, programme_id, Role.MENTOR)
    await people.answer(telegram_id, Step.NAME, name)
    await people.answer(telegram_id, Step.FIELD, "paediatrics")
    await people.answer(telegram_id, Step.STAGE, "years_10_20")
    await people.toggle(telegram_id, Step.LANGUAGES, "es")
    await people.answer(telegram_id, Step.CAPACITY, 3)
    await people.finish_onboarding(telegram_id)
    return bot.fake.user(telegram_id, name, language_code="en")


async def _person_id(bot: BotHarness, telegram_id: int) -> int:
    person = await bot.services.people.lookup(telegram_id)
    assert person is not None
    return person.id


async def _programme_id(bot: BotHarness) -> int:
    """The default programme, where ``choice_programme`` lets mentees choose."""
    return (await bot.services.people.ensure_default_programme("P")).id


async def _requests(bot: BotHarness) -> list[tuple[int, RequestStatus]]:
    """Every request as (mentor's person id, status), oldest first."""
    async with bot.services.db.read() as s:
        rows = await s.execute(
            select(PairingRequest.mentor_id, PairingRequest.status).order_by(PairingRequest.id)
        )
        return [(mentor_id, status) for mentor_id, status in rows]


async def _queued(bot: BotHarness) -> int:
    """How many messages the outbox ever held (sent or not)."""
    async with bot.services.db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def _cards(ana: FakeUser) -> BotMessage:
    await ana.send("/findmentor")
    return await ana.receive()


async def _refused_quietly(bot: BotHarness, ana: FakeUser, data: str, cards: BotMessage) -> None:
    """Pressing ``data`` is refused with the catalog's words and changes nothing at all."""
    queued = await _queued(bot)
    refused = await ana.press_data(data, message=cards)
    assert refused.show_alert and refused.text == t("en", "request.unavailable"), data
    assert await _requests(bot) == []
    assert await _queued(bot) == queued  # nothing on its way to anyone


async def _away(mentor: FakeUser, choice: str) -> None:
    """``/away`` and one of its buttons (``7`` days, ``back``)."""
    await mentor.send("/away")
    question = await mentor.receive()
    await mentor.press(t("en", f"away.{choice}"), message=question)
    await mentor.wait_edited(question)


def _asks(*names: str) -> list[str]:
    return [t("en", "findmentor.ask", name=name) for name in names]


# -- who may be asked ------------------------------------------------------------------------


async def test_a_mentor_of_another_programme_cannot_be_asked(bot: BotHarness) -> None:
    ana, bruno, _ = await choice_programme(bot)
    rural = await second_choice_programme(bot, "Rural 2027")
    dora = await _fitting_mentor(bot, 104, "Dora", programme_id=rural)
    programme, dora_id = await _programme_id(bot), await _person_id(bot, 104)
    cards = await _cards(ana)
    assert "Dora" not in (cards.text or "")
    forged = f"rq:r:{programme}:{dora_id}"  # Ana's own programme, Rural's mentor
    await _refused_quietly(bot, ana, forged, cards)
    await ana.nothing_more()
    await dora.nothing_more()
    await bruno.nothing_more()

    # It was only her membership: once Dora mentors in Ana's programme too, the same ask works.
    await join_programme(bot, 104, programme, Role.MENTOR)
    await ana.press_data(forged, message=cards)
    assert "Ana" in ((await dora.receive(timeout=10)).text or "")
    assert await _requests(bot) == [(dora_id, RequestStatus.PENDING)]


async def test_someone_who_is_not_a_mentor_here_cannot_be_asked(bot: BotHarness) -> None:
    ana, bruno, carla = await choice_programme(bot)
    programme = await _programme_id(bot)
    eve = await join_directly(bot, 105, "Eve", Role.MENTEE, "en")
    # Dora mentors elsewhere, with room and a perfect fit, but is only a mentee here.
    rural = await second_choice_programme(bot, "Rural 2027")
    dora = await _fitting_mentor(bot, 104, "Dora", programme_id=rural)
    await join_programme(bot, 104, programme, Role.MENTEE)
    cards = await _cards(ana)
    for telegram_id in (105, 104, COORDINATOR, 101):  # a mentee, Dora, Carla, Ana herself
        person_id = await _person_id(bot, telegram_id)
        await _refused_quietly(bot, ana, f"rq:r:{programme}:{person_id}", cards)
    await _refused_quietly(bot, ana, f"rq:r:{programme}:999999", cards)  # nobody at all
    for user in (ana, bruno, carla, eve, dora):
        await user.nothing_more()


async def test_an_excluded_mentor_cannot_be_asked_from_an_old_card(bot: BotHarness) -> None:
    ana, bruno, _ = await choice_programme(bot)
    programme = await _programme_id(bot)
    cards = await _cards(ana)
    assert _asks("Bruno") == cards.button_texts
    bruno_id, ana_id = await _person_id(bot, 102), await _person_id(bot, 101)
    await bot.services.pairing.exclude(COORDINATOR, programme, bruno_id, ana_id)
    await _refused_quietly(bot, ana, cards.buttons[0][0].callback_data or "", cards)
    await bruno.nothing_more()
    await ana.send("/findmentor")  # and he is gone from a fresh look
    assert await ana.receive_text() == t("en", "findmentor.nobody")


async def test_a_mentor_who_went_away_cannot_be_asked_from_an_old_card(bot: BotHarness) -> None:
    ana, bruno, _ = await choice_programme(bot)
    cards = await _cards(ana)
    await _away(bruno, "7")
    await _refused_quietly(bot, ana, cards.buttons[0][0].callback_data or "", cards)
    await bruno.nothing_more()


async def _deactivate(bot: BotHarness, telegram_id: int) -> None:
    person_id = await _person_id(bot, telegram_id)
    async with bot.services.db.session() as s:
        await s.execute(
            update(Membership)
            .where(Membership.person_id == person_id)
            .values(deactivated_at=bot.services.clock.now())
        )


async def test_deactivated_members_neither_ask_nor_are_asked(bot: BotHarness) -> None:
    ana, bruno, _ = await choice_programme(bot)
    cards = await _cards(ana)
    await _deactivate(bot, 102)  # Bruno, after Ana saw his card
    await _refused_quietly(bot, ana, cards.buttons[0][0].callback_data or "", cards)
    await bruno.nothing_more()
    await _deactivate(bot, 101)
    await ana.send("/findmentor")  # she no longer chooses anywhere
    assert await ana.receive_text() == t("en", "findmentor.not_choice")


# -- the reminder and the deadline -----------------------------------------------------------


async def test_the_reminder_comes_once_the_answer_time_has_passed(
    bot: BotHarness, clock: ManualClock
) -> None:
    ana, bruno, carla = await choice_programme(bot)
    programme = await _programme_id(bot)
    settings = {"answer_hours": 24, "request_expiry_hours": 72}
    await bot.services.programmes.update_settings(COORDINATOR, programme, **settings)
    await ask_bruno(ana)
    request = await bruno.receive(timeout=10)
    assert "72 h" in (request.text or "")
    requests, asked_at = bot.services.requests, clock.now()

    def at(hours: float) -> None:
        clock.advance(asked_at + timedelta(hours=hours) - clock.now())

    at(23.9)
    assert await requests.sweep() == 0  # the answer time (24 h) has not passed; halfway is 36
    async with bot.services.db.read() as s:
        stored = (await s.scalars(select(PairingRequest))).one()
    assert stored.next_check_at == stored.created_at + timedelta(hours=24)

    at(54)  # the bot was down from 20 h to 54 h in: one reminder, however late
    assert await requests.sweep() == 1
    assert await requests.sweep() == 0
    bot.services.outbox.notify()
    assert await bruno.receive_text(timeout=10) == t("en", "request.reminder", name="Ana")
    await bruno.nothing_more()
    at(71.9)
    assert await requests.sweep() == 0  # still open until the 72 h are up
    at(72)
    assert await requests.sweep() == 1
    bot.services.outbox.notify()
    expired = t("en", "request.expired", name="Bruno")
    assert (await ana.receive_text(timeout=10)).startswith(expired)
    assert "Bruno" in await carla.receive_text(timeout=10)
    await bruno.nothing_more()  # no second reminder on the way out


async def test_after_downtime_past_both_times_the_request_just_expires(
    bot: BotHarness, clock: ManualClock
) -> None:
    ana, bruno, carla = await choice_programme(bot)
    await ask_bruno(ana)
    await bruno.receive(timeout=10)
    clock.advance(timedelta(hours=100))  # past the reminder (24 h) and the deadline (48 h)
    requests = bot.services.requests
    assert await requests.sweep() == 1
    assert await requests.sweep() == 0
    bot.services.outbox.notify()
    expired = t("en", "request.expired", name="Bruno")
    assert (await ana.receive_text(timeout=10)).startswith(expired)
    assert "Ana" in await carla.receive_text(timeout=10)
    await bruno.nothing_more()  # a reminder now would be about a request already over
    async with bot.services.db.read() as s:
        stored = (await s.scalars(select(PairingRequest))).one()
    assert stored.status == RequestStatus.EXPIRED and stored.reminded_at is None


# -- other mentors offered -------------------------------------------------------------------


async def test_a_request_that_ends_unpaired_offers_the_other_mentors(
    bot: BotHarness, clock: ManualClock
) -> None:
    ana, bruno, carla = await choice_programme(bot)
    dora = await _fitting_mentor(bot, 104, "Dora")
    eli = await _fitting_mentor(bot, 105, "Eli")
    finn = await _fitting_mentor(bot, 106, "Finn")
    cards = await _cards(ana)
    assert sorted(cards.button_texts) == sorted(_asks("Bruno", "Dora", "Eli"))  # three at most
    # Finn, fourth, is not on the cards, but he is a mentor Ana may ask (an older list had him).
    await ana.press_data(f"rq:r:{await _programme_id(bot)}:{await _person_id(bot, 106)}", cards)
    await finn.receive(timeout=10)
    declined_by_finn = await press_and_read(finn, t("en", "request.decline"))
    assert declined_by_finn == t("en", "request.done.decline", name="Ana")

    # Declined: the message itself carries the cards of everyone else, with their buttons.
    declined = await ana.receive(timeout=10)
    assert (declined.text or "").startswith(t("en", "request.declined", name="Finn") + "\n\n")
    assert sorted(declined.button_texts) == sorted(_asks("Bruno", "Dora", "Eli"))
    await carla.nothing_more()  # someone is left to ask: nothing for the coordinator yet
    assert "📨" in await press_and_read(ana, t("en", "findmentor.ask", name="Bruno"))
    await bruno.receive(timeout=10)

    # Expired: Bruno let it lapse and Finn said no, so neither is offered again.
    clock.advance(timedelta(hours=49))
    assert await bot.services.requests.sweep() == 1
    bot.services.outbox.notify()
    expired = await ana.receive(timeout=10)
    assert (expired.text or "").startswith(t("en", "request.expired", name="Bruno") + "\n\n")
    assert "Dora" in (expired.text or "") and "Finn" not in (expired.text or "")
    assert sorted(expired.button_texts) == sorted(_asks("Dora", "Eli"))
    assert "Bruno" in await carla.receive_text(timeout=10)

    # Pressing one of them is an ordinary request.
    await ana.press(t("en", "findmentor.ask", name="Dora"), message=expired)
    assert "Ana" in ((await dora.receive(timeout=10)).text or "")
    statuses = [status for _, status in await _requests(bot)]
    assert statuses == [RequestStatus.DECLINED, RequestStatus.EXPIRED, RequestStatus.PENDING]
    await eli.nothing_more()


# -- Accept when things changed meanwhile ----------------------------------------------------


async def test_a_mentor_who_became_full_cannot_accept(bot: BotHarness) -> None:
    ana, bruno, carla = await choice_programme(bot)
    await bot.services.people.answer(102, Step.CAPACITY, 1)  # one place, free for now
    dora = await _fitting_mentor(bot, 104, "Dora")
    await ask_bruno(ana)
    request = await bruno.receive(timeout=10)
    # Meanwhile Carla gives Bruno his one mentee.
    eve = await join_directly(bot, 105, "Eve", Role.MENTEE, "en")
    programme, bruno_id = await _programme_id(bot), await _person_id(bot, 102)
    await bot.services.pairing.pair(COORDINATOR, programme, bruno_id, await _person_id(bot, 105))
    bot.services.outbox.notify()
    assert "Eve" in await bruno.receive_text(timeout=10)
    await eve.receive(timeout=10)

    answer = await press_and_read(bruno, t("en", "request.accept"))
    assert answer == t("en", "request.done.no_capacity", name="Ana")
    assert request.text == answer and not request.buttons  # spent
    assert await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE) == []
    bruno_has = await bot.services.pairing.pairs_of(102, as_role=Role.MENTOR)
    assert [pair.mentee_name for pair in bruno_has] == ["Eve"]
    told = await ana.receive(timeout=10)
    assert (told.text or "").startswith(t("en", "request.declined", name="Bruno"))
    assert told.button_texts == _asks("Dora")
    assert await _requests(bot) == [(bruno_id, RequestStatus.DECLINED)]
    await carla.nothing_more()
    await dora.nothing_more()


async def test_a_mentor_who_went_away_cannot_accept_until_back(bot: BotHarness) -> None:
    ana, bruno, _ = await choice_programme(bot)
    await ask_bruno(ana)
    request = await bruno.receive(timeout=10)
    await _away(bruno, "7")

    refused = await bruno.press(t("en", "request.accept"), message=request)
    assert refused.show_alert
    assert refused.text == t("en", "request.away", back=t("en", "away.back"))
    assert await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE) == []
    bruno_id = await _person_id(bot, 102)
    assert await _requests(bot) == [(bruno_id, RequestStatus.PENDING)]  # still his to answer
    assert request.button_texts[0] == t("en", "request.accept")
    await ana.nothing_more()

    await _away(bruno, "back")
    answer = await press_and_read(bruno, t("en", "request.accept"))
    assert answer == t("en", "request.done.accept", name="Ana")
    assert "Bruno" in await ana.receive_text(timeout=10)  # the introduction
    assert await _requests(bot) == [(bruno_id, RequestStatus.ACCEPTED)]


async def test_accepting_a_mentee_who_got_a_mentor_meanwhile_closes_the_request(
    bot: BotHarness,
) -> None:
    ana, bruno, _ = await choice_programme(bot)
    dora = await _fitting_mentor(bot, 104, "Dora")
    await ask_bruno(ana)
    await bruno.receive(timeout=10)
    programme, ana_id = await _programme_id(bot), await _person_id(bot, 101)
    await bot.services.pairing.pair(COORDINATOR, programme, await _person_id(bot, 104), ana_id)
    bot.services.outbox.notify()
    assert "Dora" in await ana.receive_text(timeout=10)  # Carla paired her meanwhile
    await dora.receive(timeout=10)

    answer = await press_and_read(bruno, t("en", "request.accept"))
    assert answer == t("en", "request.done.has_mentor", name="Ana")
    ana_has = await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE)
    assert [pair.mentor_name for pair in ana_has] == ["Dora"]
    assert await _requests(bot) == [(await _person_id(bot, 102), RequestStatus.WITHDRAWN)]
    await ana.nothing_more()  # she has her mentor: no offers, no news about Bruno
    await bruno.nothing_more()
