"""A programme under a bad connection: 10% of Bot API calls fail (429, 5xx, timeouts).

Two pairs, one in English and one in Spanish, trade questions and answers (with the buttons'
help nowhere: plain messages and Telegram replies) and send thank-you notes; then the week
turns and the check-ins go out, and a coordinator broadcasts to everyone, one of whom has
blocked the bot (403). The bot's own direct replies may fail (the person simply does not see
that confirmation); what goes through the outbox must all reach a final state: every relayed
text, prompt and announcement arrives exactly once, and only the person who blocked the bot
has rows BLOCKED (and is marked blocked). None is FAILED.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from storage.models import (
    Base,
    GratitudeNote,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonStatus,
    Question,
    QuestionMessage,
    Role,
)
from tests.fake_telegram import BotMessage, FakeTelegram, FakeUser
from tests.harness import BotHarness, deliver_everything, until
from tests.scenario import join_directly

pytestmark = pytest.mark.asyncio

COORDINATOR = 900
QUESTIONS = 3


async def _pairs(bot: BotHarness) -> list[tuple[FakeUser, FakeUser]]:
    programme = await bot.services.people.ensure_default_programme("Preceptor mentorship")
    await bot.services.people.consent(COORDINATOR, language="en", invite=None)
    pairs = []
    for base, lang in ((100, "en"), (200, "es")):
        mentee = await join_directly(bot, base + 1, f"Mentee{lang}", Role.MENTEE, lang)
        mentor = await join_directly(bot, base + 2, f"Mentor{lang}", Role.MENTOR, lang)
        ids = [(await bot.services.people.lookup(u.id)) for u in (mentor, mentee)]
        assert ids[0] is not None and ids[1] is not None
        await bot.services.pairing.pair(COORDINATOR, programme.id, ids[0].id, ids[1].id)
        pairs.append((mentee, mentor))
    return pairs


async def _stored(bot: BotHarness, model: type[Base], count: int) -> None:
    """Wait until the bot has handled the updates sent so far (their rows are stored)."""

    async def done() -> bool:
        async with bot.services.db.read() as s:
            stored = await s.scalar(select(func.count()).select_from(model))
        return stored == count

    await until(done, within=20)


def _containing(user: FakeUser, text: str) -> list[BotMessage]:
    return [m for m in user.inbox if text in (m.plain_text or "")]


async def test_nothing_relayed_is_lost_or_doubled_when_one_call_in_ten_fails(
    bot: BotHarness, fake: FakeTelegram, clock: ManualClock
) -> None:
    pairs = await _pairs(bot)
    await deliver_everything(bot.services, clock)  # the introductions, before the storm
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/help")
    anchor = await carla.receive(timeout=30)  # where the broadcast's progress will show
    fake.faults.random(0.1, errors=("429", "500", "timeout"), seed=7, retry_after=1)
    # Whatever the random draw, each kind of failure hits at least one relay.
    (en_mentee, en_mentor), (es_mentee, es_mentor) = pairs
    fake.faults.inject("timeout", chat_id=en_mentor.id)
    fake.faults.inject("429", chat_id=es_mentor.id, retry_after=1)
    fake.faults.inject("500", chat_id=en_mentee.id)
    fake.faults.inject("timeout", chat_id=es_mentee.id)
    relayed: list[tuple[FakeUser, str]] = []

    for n in range(QUESTIONS):
        for mentee, mentor in pairs:
            text = f"question {n} from {mentee.first_name}"
            await mentee.send("/ask")
            await mentee.send(text)
            relayed.append((mentor, text))
        await _stored(bot, Question, (n + 1) * len(pairs))
        await deliver_everything(bot.services, clock)
        for mentee, mentor in pairs:
            (question,) = _containing(mentor, f"question {n} from {mentee.first_name}")
            answer = f"answer {n} for {mentee.first_name}"
            await mentor.reply(question, answer)
            relayed.append((mentee, answer))
        await _stored(bot, QuestionMessage, 2 * (n + 1) * len(pairs))
        await deliver_everything(bot.services, clock)

    for mentee, mentor in pairs:
        await mentee.send("/thanks")
        note = f"thank you, {mentor.first_name}"
        await mentee.send(note)
        relayed.append((mentor, note))
    await _stored(bot, GratitudeNote, len(pairs))
    await deliver_everything(bot.services, clock)
    for user, text in relayed:
        assert len(_containing(user, text)) == 1, (user.first_name, text)

    # The week turns: the Monday 09:00 check-ins go out, then an announcement to everyone,
    # one of whom (Zoe) has blocked the bot. The bot is not told (no my_chat_member update,
    # which would race with the sweep): it must learn it from a 403.
    zoe = await join_directly(bot, 301, "Zoe", Role.MENTEE, "en")
    zoe.block(notify=False)
    clock.advance(datetime(2026, 11, 30, 9, 0, tzinfo=UTC) - clock.now())
    assert await bot.services.checkins.sweep() >= len(pairs)
    await deliver_everything(bot.services, clock)
    for mentee, _ in pairs:
        assert len([m for m in mentee.inbox if m.button_texts[:5] == list("12345")]) == 1
    broadcasts = bot.services.broadcasts
    draft = await broadcasts.draft(COORDINATOR, "Ward rounds move to 8:00 from Monday")
    programme = await bot.services.people.ensure_default_programme("Preceptor mentorship")
    await broadcasts.choose_audience(COORDINATOR, draft.id, programme.id, "all")
    await broadcasts.send_now(
        COORDINATOR, draft.id, chat_id=COORDINATOR, message_id=anchor.message_id
    )
    while await broadcasts.fan_out(draft.id):
        pass
    stats = await deliver_everything(bot.services, clock)

    assert stats[OutboxStatus.FAILED] == 0, stats
    for user in [u for pair in pairs for u in pair]:
        assert len(_containing(user, "Ward rounds move to 8:00")) == 1, user.first_name
    assert _containing(zoe, "Ward rounds") == []
    async with bot.services.db.read() as s:
        rows = (await s.scalars(select(OutboxMessage))).all()
        questions = (await s.scalars(select(Question))).all()
        zoe_status = await s.scalar(select(Person.status).where(Person.telegram_id == 301))
    # Every message reached a final state: sent, or blocked for the one person who blocked us.
    assert {row.status for row in rows} == {OutboxStatus.SENT, OutboxStatus.BLOCKED}
    assert {row.chat_id for row in rows if row.status == OutboxStatus.BLOCKED} == {301}
    assert zoe_status == PersonStatus.BLOCKED
    assert len(questions) == QUESTIONS * len(pairs)
    injected = {fault for _method, fault, _chat in fake.faults.injected}
    assert injected >= {"429", "500", "timeout"}
