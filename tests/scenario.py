"""Conversation snippets shared by scenario tests: a whole onboarding reads as a few lines."""

from __future__ import annotations

from bot.i18n import t
from bot.services.profile import Step
from storage.models import Role
from tests.fake_telegram import BotMessage, FakeUser
from tests.harness import BotHarness


async def press_and_read(user: FakeUser, button: str) -> str:
    """Press a button and return the text its message was turned into (``settle``)."""
    message = _keyboard_message(user)
    edits = message.edit_count
    await user.press(button, message=message)
    if message.edit_count == edits:
        await user.wait_edited(message)
    return message.text or ""


def _keyboard_message(user: FakeUser) -> BotMessage:
    for message in reversed(user.inbox):
        if message.buttons:
            return message
    raise AssertionError("no message with buttons in this chat")


async def answer(user: FakeUser, button: str) -> BotMessage:
    """Press a button under the latest question and return the next question."""
    await user.press(button)
    return await user.receive()


async def consent(user: FakeUser, lang: str) -> BotMessage:
    """``/start``, accept the privacy summary, return the first message after it."""
    await user.send("/start")
    privacy = await user.receive()
    assert t(lang, "consent.yes") in privacy.button_texts
    return await answer(user, t(lang, "consent.yes"))


async def _common_profile(user: FakeUser, lang: str, *, stage: str) -> None:
    await answer(user, t(lang, "q.name.use", name=user.first_name))
    await answer(user, t(lang, "field.paediatrics"))
    interests = await answer(user, t(lang, f"stage.{stage}"))
    assert t(lang, "interest.research") in interests.button_texts
    await user.press(t(lang, "interest.research"))
    await user.press(t(lang, "interest.rural_practice"))
    await answer(user, t(lang, "q.done"))
    await user.press(t(lang, "spoken.es"))
    bio_question = await answer(user, t(lang, "q.done"))
    assert t(lang, "q.bio.skip") in bio_question.button_texts
    await user.send("Residente en Cusco, me interesa la pediatría rural.")


async def _schedule(user: FakeUser, lang: str, timezone_question: BotMessage) -> BotMessage:
    assert "UTC" in (timezone_question.text or "")
    await user.send("Lima")
    confirm = await user.receive()
    assert "America/Lima" in (confirm.text or "")
    await answer(user, t(lang, "tz.yes"))
    await answer(user, t(lang, "day.2"))
    await answer(user, "08:00")
    return await answer(user, t(lang, "quiet.22-7"))


async def onboard_mentee(user: FakeUser, lang: str) -> BotMessage:
    """A complete mentee onboarding; returns the closing message."""
    role_question = await consent(user, lang)
    assert t(lang, "role.mentee.pick") in role_question.button_texts
    await answer(user, t(lang, "role.mentee.pick"))
    await _common_profile(user, lang, stage="resident")
    done = await _schedule(user, lang, await user.receive())
    assert user.first_name in (done.text or "")
    return done


async def onboard_mentor(user: FakeUser, lang: str) -> BotMessage:
    """A complete mentor onboarding (capacity 3); returns the closing message."""
    await consent(user, lang)
    await answer(user, t(lang, "role.mentor.pick"))
    await _common_profile(user, lang, stage="years_10_20")
    capacity = await user.receive()
    assert "3" in capacity.button_texts
    done = await _schedule(user, lang, await answer(user, "3"))
    assert user.first_name in (done.text or "")
    return done


async def join_directly(
    bot: BotHarness, telegram_id: int, name: str, role: Role, lang: str
) -> FakeUser:
    """Someone who has joined the default programme, set up through the services (quicker
    than the onboarding conversation when a test is about something else). Their Telegram
    username is one the bot must never leak."""
    people = bot.services.people
    await people.consent(telegram_id, language=lang, invite=None)
    await people.choose_role(telegram_id, role)
    await people.answer(telegram_id, Step.NAME, name)
    await people.toggle(telegram_id, Step.LANGUAGES, "es")  # a language in common: pairable
    if role == Role.MENTOR:
        await people.answer(telegram_id, Step.CAPACITY, 3)
    await people.finish_onboarding(telegram_id)
    return bot.fake.user(telegram_id, name, username=f"{name.lower()}_md", language_code=lang)
