"""The question exchange through the real Application and the fake Bot API: /ask, the relay
both ways (buttons and Telegram replies), media with the patient-privacy reminder, long texts,
/questions, the answer-time sweep, the anonymous mentor pool, forged buttons and a blocked
recipient."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.i18n import t
from storage.models import OutboxMessage, Question, QuestionMessage, QuestionStatus, Role
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.harness import BotHarness
from tests.scenario import join_directly

pytestmark = pytest.mark.asyncio

COORDINATOR = 900
ANA, BRUNO, CARLA, DIEGO = 101, 102, 103, 104
QUESTION = "How do I present a case <briefly> & clearly?"


async def _world(bot: BotHarness, lang: str = "en") -> tuple[FakeUser, FakeUser]:
    """Ana (mentee) paired with Bruno (mentor) in the default programme."""
    programme = await bot.services.people.ensure_default_programme("Preceptor mentorship")
    await bot.services.people.consent(COORDINATOR, language="en", invite=None)
    ana = await join_directly(bot, ANA, "Ana", Role.MENTEE, lang)
    bruno = await join_directly(bot, BRUNO, "Bruno", Role.MENTOR, lang)
    ana_id = (await bot.services.people.lookup(ANA)).id  # type: ignore[union-attr]
    bruno_id = (await bot.services.people.lookup(BRUNO)).id  # type: ignore[union-attr]
    await bot.services.pairing.pair(COORDINATOR, programme.id, bruno_id, ana_id)
    bot.services.outbox.notify()
    await ana.receive(timeout=10)  # introductions
    await bruno.receive(timeout=10)
    return ana, bruno


async def _question(bot: BotHarness) -> Question:
    async with bot.services.db.read() as s:
        question = await s.scalar(select(Question).order_by(Question.id.desc()).limit(1))
    assert question is not None
    return question


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_a_question_and_its_answer_go_both_ways(bot: BotHarness, lang: str) -> None:
    ana, bruno = await _world(bot, lang)
    await ana.send("/ask")
    assert await ana.receive_text() == t(lang, "qa.write", name="Bruno")
    await ana.send(QUESTION)
    assert await ana.receive_text() == t(lang, "qa.sent", name="Bruno")
    relayed = await bruno.receive(timeout=10)
    assert QUESTION in relayed.plain_text and "Ana" in relayed.plain_text
    assert "ana_md" not in relayed.plain_text and relayed.forward_origin is None
    assert relayed.button_texts == [t(lang, "qa.reply"), t(lang, "qa.later")]

    await bruno.press(t(lang, "qa.reply"), message=relayed)
    assert await bruno.receive_text() == t(lang, "qa.write_reply")
    await bruno.send("Situation, background, assessment, recommendation.")
    assert await bruno.receive_text() == t(lang, "qa.reply_sent")
    answer = await ana.receive(timeout=10)
    assert "Situation, background" in answer.plain_text and "Bruno" in answer.plain_text
    assert "bruno_md" not in answer.plain_text
    question = await _question(bot)
    assert question.status == QuestionStatus.ANSWERED and question.answered_at is not None

    # A Telegram reply to the answer is a follow-up in the same thread, without any button.
    await ana.reply(answer, "And for a ward round?")
    assert await ana.receive_text() == t(lang, "qa.reply_sent")
    follow_up = await bruno.receive(timeout=10)
    assert "And for a ward round?" in follow_up.plain_text
    assert (await _question(bot)).status == QuestionStatus.OPEN

    await ana.send("/questions")
    listing = await ana.receive_text()
    assert t(lang, "qa.status.open") in listing and "How do I present" in listing
    await bruno.send("/questions")
    assert "Ana" in await bruno.receive_text()


async def test_a_photo_gets_the_patient_reminder_once_per_question(bot: BotHarness) -> None:
    ana, bruno = await _world(bot)
    await ana.send("/ask")
    await ana.receive()
    await ana.send_photo(caption="Is this rash typical?")
    warning = await ana.receive()
    assert warning.text == t("en", "qa.media_warning")
    await bruno.nothing_more()  # nothing leaves before Ana confirms
    await ana.press(t("en", "qa.media_send"), message=warning)
    assert (await ana.wait_edited(warning)).text == t("en", "qa.sent", name="Bruno")
    photo = await bruno.receive(timeout=10)
    assert photo.kind == "photo" and "Is this rash typical?" in photo.plain_text

    await bruno.press(t("en", "qa.reply"), message=photo)
    await bruno.receive()
    await bruno.send_document(caption="Guideline")
    mentor_warning = await bruno.receive()  # the mentor's side has its own reminder
    assert mentor_warning.text == t("en", "qa.media_warning")
    await bruno.press(t("en", "qa.media_send"), message=mentor_warning)
    document = await ana.receive(timeout=10)
    assert document.kind == "document"

    # Ana was reminded for this question already: her next photo goes straight out.
    await ana.press(t("en", "qa.reply"), message=document)
    await ana.receive()
    await ana.send_photo(caption="one more")
    assert await ana.receive_text() == t("en", "qa.reply_sent")
    assert (await bruno.receive(timeout=10)).kind == "photo"


async def test_dont_send_keeps_the_photo_here(bot: BotHarness) -> None:
    ana, bruno = await _world(bot)
    await ana.send("/ask")
    await ana.receive()
    await ana.send_document()
    warning = await ana.receive()
    await ana.press(t("en", "qa.media_cancel"), message=warning)
    assert (await ana.wait_edited(warning)).text == t("en", "qa.media_cancelled")
    await bruno.nothing_more()
    stale = await ana.press_data("qa:s", message=warning)
    assert stale.text == t("en", "stale_button")


async def test_unsupported_media_is_explained_and_the_step_waits(bot: BotHarness) -> None:
    ana, bruno = await _world(bot)
    await ana.send("/ask")
    await ana.receive()
    await ana.send_sticker()
    assert await ana.receive_text() == t("en", "qa.unsupported")
    await ana.send_voice()
    assert await ana.receive_text() == t("en", "qa.sent", name="Bruno")
    assert (await bruno.receive(timeout=10)).kind == "voice"


async def test_cancel_while_writing(bot: BotHarness) -> None:
    ana, bruno = await _world(bot)
    await ana.send("/ask")
    await ana.receive()
    await ana.send("/cancel")
    assert await ana.receive_text() == t("en", "cancel.done")
    await ana.send("just chatting")
    assert await ana.receive_text() == t("en", "unknown.message")
    await bruno.nothing_more()


async def test_a_question_that_could_not_be_stored_can_be_sent_again(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The step ends in the transaction that stores the question: a failure keeps both."""
    ana, bruno = await _world(bot)
    await ana.send("/ask")
    await ana.receive()
    questions = bot.services.questions
    relay = questions._relay

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(questions, "_relay", broken)
    await ana.send(QUESTION)
    assert await ana.receive_text() == t("en", "error.generic")
    async with bot.services.db.read() as s:
        assert (await s.scalars(select(Question))).all() == []
    monkeypatch.setattr(questions, "_relay", relay)
    await ana.send(QUESTION)  # still the question, not "what can I do for you"
    assert await ana.receive_text() == t("en", "qa.sent", name="Bruno")
    assert "How do I present a case" in (await bruno.receive(timeout=10)).plain_text
    await ana.send("just chatting")  # and now the step is over
    assert await ana.receive_text() == t("en", "unknown.message")
    await _question(bot)


async def test_a_long_question_is_split_at_telegram_limits(bot: BotHarness) -> None:
    ana, bruno = await _world(bot)
    long_text = ("word " * 819) + "end"  # 4,098 characters: over the limit with the header
    await ana.send("/ask")
    await ana.receive()
    await ana.send(long_text[:4096])
    await ana.receive()
    first = await bruno.receive(timeout=10)
    second = await bruno.receive(timeout=10)
    assert first.reply_markup is None and second.button_texts
    joined = first.plain_text.split("\n\n", 1)[1] + second.plain_text
    assert joined == long_text[:4096]


async def test_no_mentor_yet(bot: BotHarness) -> None:
    await bot.services.people.ensure_default_programme("Preceptor mentorship")
    diego = await join_directly(bot, DIEGO, "Diego", Role.MENTEE, "en")
    await diego.send("/ask")
    text = await diego.receive_text()
    assert t("en", "qa.no_mentor") in text and t("en", "qa.no_mentor.wait") in text


async def test_forged_and_foreign_buttons_are_refused(bot: BotHarness) -> None:
    ana, bruno = await _world(bot)
    diego = await join_directly(bot, DIEGO, "Diego", Role.MENTEE, "en")
    await ana.send("/ask")
    await ana.receive()
    await ana.send(QUESTION)
    await ana.receive()
    relayed = await bruno.receive(timeout=10)
    question = await _question(bot)
    await diego.send("/help")
    anchor = await diego.receive()
    for data in (f"qa:r:{question.id}", f"qa:l:{question.id}", f"qa:k:{question.id}"):
        answer = await diego.press_data(data, message=anchor)
        assert answer.text == t("en", "qa.refused.not_yours"), data
    refused = await ana.press_data(f"qa:l:{question.id}", message=relayed)
    assert refused.text == t("en", "qa.refused.not_yours")  # only the mentor answers later
    assert (await diego.press_data("qa:t:1", message=anchor)).text == t(
        "en", "qa.refused.not_yours"
    )
    assert (await diego.press_data("qa:r:99999999999999", message=anchor)).text == t(
        "en", "stale_button"
    )
    await diego.send("/questions")
    assert await diego.receive_text() == t("en", "qa.list_empty")


async def test_unanswered_questions_remind_then_escalate(
    bot: BotHarness, clock: ManualClock
) -> None:
    ana, bruno = await _world(bot)
    carla = bot.fake.user(COORDINATOR, "Carla")
    await ana.send("/ask")
    await ana.receive()
    await ana.send(QUESTION)
    await ana.receive()
    await bruno.receive(timeout=10)
    questions = bot.services.questions
    clock.advance(timedelta(hours=47))
    assert await questions.sweep() == 0
    clock.advance(timedelta(hours=2))
    assert await questions.sweep() == 1
    bot.services.outbox.notify()
    assert "48" in await bruno.receive_text(timeout=10)
    assert await questions.sweep() == 0  # reminded once
    clock.advance(timedelta(hours=48))
    assert await questions.sweep() == 1
    bot.services.outbox.notify()
    assert await ana.receive_text(timeout=10) == t("en", "qa.looking_into_it")
    assert "96" in await carla.receive_text(timeout=10)
    clock.advance(timedelta(days=30))
    assert await questions.sweep() == 0


async def test_the_mentor_pool_goes_to_the_first_who_takes_it(bot: BotHarness) -> None:
    _, bruno = await _world(bot)
    carla = await join_directly(bot, CARLA, "Carla", Role.MENTOR, "en")
    diego = await join_directly(bot, DIEGO, "Diego", Role.MENTEE, "en")
    await diego.send("/ask")
    offer_pool = await diego.receive()
    assert t("en", "qa.pool_offer") in offer_pool.text
    await diego.press(t("en", "qa.ask_pool_button"), message=offer_pool)
    prompt = await diego.wait_edited(offer_pool)
    assert prompt.text == t("en", "qa.write_pool", programme="Preceptor mentorship")
    await diego.send("Anonymous question about burnout")
    assert await diego.receive_text() == t("en", "qa.sent_pool", count=2)
    offers = {user.id: await user.receive(timeout=10) for user in (bruno, carla)}
    for offer in offers.values():
        assert "Diego" not in offer.plain_text and "burnout" in offer.plain_text
    await carla.press(t("en", "qa.take"), message=offers[CARLA])
    assert await carla.receive_text() == t("en", "qa.taken")
    bot.services.outbox.notify()
    edited = await bruno.wait_edited(offers[BRUNO], timeout=10)
    assert edited.text == t("en", "qa.pool_taken")
    late = await bruno.press_data(f"qa:k:{(await _question(bot)).id}", message=edited)
    assert late.text == t("en", "qa.refused.taken")
    await carla.press(t("en", "qa.reply"), message=offers[CARLA])
    await carla.receive()
    await carla.send("Talk to us; it is common and treatable.")
    assert "Carla" in await diego.receive_text(timeout=10)


async def test_a_blocked_mentor_is_reported_to_the_asker(bot: BotHarness) -> None:
    ana, bruno = await _world(bot)
    bruno.block()
    await ana.send("/ask")
    await ana.receive()
    await ana.send(QUESTION)
    assert await ana.receive_text() == t("en", "qa.sent", name="Bruno")
    assert await ana.receive_text(timeout=10) == t("en", "outbox.undeliverable", name="Bruno")


async def test_deleting_my_data_takes_my_questions_and_words_in_flight(
    bot: BotHarness, fake: FakeTelegram
) -> None:
    ana, _ = await _world(bot)
    fake.faults.inject("500", chat_id=BRUNO, times=50)  # Bruno's messages keep waiting
    await ana.send("/ask")
    await ana.receive()
    await ana.send(QUESTION)
    await ana.receive()
    assert await bot.services.people.delete_personal_data(ANA)
    async with bot.services.db.read() as s:
        assert (await s.scalars(select(Question))).all() == []
        assert (await s.scalars(select(QuestionMessage))).all() == []
        waiting = (await s.scalars(select(OutboxMessage.payload))).all()
    assert waiting and not [p for p in waiting if "How do I present" in str(p)]


async def test_characters_postgresql_cannot_store_are_dropped_not_fatal(bot: BotHarness) -> None:
    ana, bruno = await _world(bot)
    await ana.send("/ask")
    await ana.receive()
    await ana.send("\x00Is this\x00 normal?")
    assert await ana.receive_text() == t("en", "qa.sent", name="Bruno")
    assert "Is this normal?" in (await bruno.receive(timeout=10)).plain_text
    await ana.send("/start \x00abc")  # a forged deep link: no such invite, no crash
    assert await ana.receive_text()
