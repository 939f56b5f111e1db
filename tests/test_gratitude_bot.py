"""Thank-you notes through the real Application: ``/thanks`` from a mentee to her mentor and
from a mentor to one of his mentees (a picker), the card through the outbox, ``/gratitude``,
bad notes explained while the step waits, ``/cancel``, forged and stale picks, the numbers
coordinators get (never the words), and ``/deletemydata`` taking the notes with it."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, or_, select

from bot.clock import ManualClock
from bot.i18n import t
from bot.services.pairing import PairView
from storage.models import GratitudeNote, Role
from tests.fake_telegram import FakeUser
from tests.harness import BotHarness
from tests.scenario import join_directly, press_and_read

pytestmark = pytest.mark.asyncio

COORDINATOR = 900  # configured in conftest's coordinator_ids
ANA, BRUNO, DIEGO, DORA = 101, 102, 103, 104
NOTE = "Thank you for the night you walked me through my first delivery <3 & more"


async def _pair(
    bot: BotHarness, mentor: FakeUser, mentee: FakeUser, programme_id: int | None = None
) -> PairView:
    """Pair two members as a coordinator would, and read both introductions."""
    people = bot.services.people
    if programme_id is None:
        programme_id = (await people.ensure_default_programme("Preceptor mentorship")).id
    mentor_view, mentee_view = await people.lookup(mentor.id), await people.lookup(mentee.id)
    assert mentor_view is not None and mentee_view is not None
    pair = await bot.services.pairing.pair(
        COORDINATOR, programme_id, mentor_view.id, mentee_view.id
    )
    bot.services.outbox.notify()
    assert mentor.first_name in await mentee.receive_text(timeout=10)
    assert mentee.first_name in await mentor.receive_text(timeout=10)
    return pair


async def _world(bot: BotHarness, lang: str = "en") -> tuple[FakeUser, FakeUser, FakeUser]:
    """Ana and Diego, both mentored by Bruno, in the default programme."""
    await bot.services.people.ensure_default_programme("Preceptor mentorship")
    await bot.services.people.consent(COORDINATOR, language="en", invite=None)
    ana = await join_directly(bot, ANA, "Ana", Role.MENTEE, lang)
    bruno = await join_directly(bot, BRUNO, "Bruno", Role.MENTOR, lang)
    diego = await join_directly(bot, DIEGO, "Diego", Role.MENTEE, lang)
    await _pair(bot, bruno, ana)
    return ana, bruno, diego


async def _notes(bot: BotHarness, telegram_id: int | None = None) -> list[str]:
    """The stored notes' texts, all or those sent or received by one person."""
    query = select(GratitudeNote.text).order_by(GratitudeNote.id)
    if telegram_id is not None:
        person = await bot.services.people.lookup(telegram_id)
        assert person is not None
        query = query.where(
            or_(GratitudeNote.sender_id == person.id, GratitudeNote.recipient_id == person.id)
        )
    async with bot.services.db.read() as s:
        return list(await s.scalars(query))


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_a_mentee_thanks_her_mentor(bot: BotHarness, lang: str) -> None:
    ana, bruno, _ = await _world(bot, lang)
    await ana.send("/thanks")
    assert await ana.receive_text() == t(lang, "gratitude.ask", name="Bruno")
    await ana.send(NOTE)
    assert await ana.receive_text() == t(lang, "gratitude.sent", name="Bruno")

    card = await bruno.receive_text(timeout=10)
    assert card == t(lang, "gratitude.card", name="Ana", text=NOTE)
    assert "&lt;3 &amp; more" in card  # her words, escaped: they cannot break the HTML
    assert "ana_md" not in card and "@" not in card and str(ANA) not in card
    assert await _notes(bot) == [NOTE]

    await bruno.send("/gratitude")
    listing = await bruno.receive_text()
    assert listing.startswith(t(lang, "gratitude.inbox.all", total=1))
    assert "Ana" in listing and "&lt;3 &amp; more" in listing and "2026-11-18" in listing
    await ana.send("/gratitude")
    assert await ana.receive_text() == t(lang, "gratitude.inbox.empty")


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_a_mentor_picks_which_mentee_to_thank(bot: BotHarness, lang: str) -> None:
    ana, bruno, diego = await _world(bot, lang)
    await _pair(bot, bruno, diego)
    await bruno.send("/thanks")
    picker = await bruno.receive()
    assert picker.text == t(lang, "gratitude.pick")
    assert picker.button_texts == ["Ana", "Diego"]  # one programme: names are enough
    assert all(len((b.callback_data or "").encode()) <= 64 for row in picker.buttons for b in row)
    assert await press_and_read(bruno, "Diego") == t(lang, "gratitude.ask", name="Diego")
    await bruno.send("You ask the best questions.")
    assert await bruno.receive_text() == t(lang, "gratitude.sent", name="Diego")
    card = await diego.receive_text(timeout=10)
    assert card == t(lang, "gratitude.card", name="Bruno", text="You ask the best questions.")
    await ana.nothing_more()


async def test_a_mentee_with_mentors_in_two_programmes_picks_one(bot: BotHarness) -> None:
    ana, bruno, _ = await _world(bot)
    programmes, people = bot.services.programmes, bot.services.people
    second = await programmes.create(COORDINATOR, "Rural Surgery")
    dora = await join_directly(bot, DORA, "Dora", Role.MENTOR, "en")
    for telegram_id, role in ((ANA, Role.MENTEE), (DORA, Role.MENTOR)):
        invite = await people.find_invite(second.invites[role])
        await people.consent(telegram_id, language="en", invite=invite)
    await _pair(bot, dora, ana, second.id)

    await ana.send("/thanks")
    picker = await ana.receive()
    assert picker.button_texts == [
        t("en", "gratitude.choice", name="Bruno", programme="Preceptor mentorship"),
        t("en", "gratitude.choice", name="Dora", programme="Rural Surgery"),
    ]
    await press_and_read(ana, t("en", "gratitude.choice", name="Dora", programme="Rural Surgery"))
    await ana.send("Thank you, Dora!")
    assert await ana.receive_text() == t("en", "gratitude.sent", name="Dora")
    assert "Thank you, Dora!" in await dora.receive_text(timeout=10)
    await bruno.nothing_more()
    assert (await bot.services.gratitude.counts(second.id)).total == 1


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_without_an_active_pair_the_answer_says_what_to_do(
    bot: BotHarness, lang: str
) -> None:
    await bot.services.people.ensure_default_programme("Preceptor mentorship")
    ana = await join_directly(bot, ANA, "Ana", Role.MENTEE, lang)
    bruno = await join_directly(bot, BRUNO, "Bruno", Role.MENTOR, lang)
    await ana.send("/thanks")
    assert await ana.receive_text() == t(lang, "gratitude.none.mentee")
    await bruno.send("/thanks")
    assert await bruno.receive_text() == t(lang, "gratitude.none.mentor")
    await bruno.send("Thanks anyway")  # nothing was expected: not a note
    assert await bruno.receive_text() != t(lang, "gratitude.sent", name="Ana")
    stranger = bot.fake.user(199, "Eva", language_code=lang)
    await stranger.send("/thanks")
    assert await stranger.receive_text() == t(lang, "start.first")
    assert await _notes(bot) == []


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_bad_notes_are_explained_and_the_step_waits(bot: BotHarness, lang: str) -> None:
    ana, bruno, _ = await _world(bot, lang)
    await ana.send("/thanks")
    await ana.receive()
    await ana.send("   \n\t  ")
    assert await ana.receive_text() == t(lang, "gratitude.invalid.empty")
    await ana.send("a" * 1001)
    assert await ana.receive_text() == t(
        lang, "gratitude.invalid.too_long", maximum=1000, length=1001
    )
    await ana.send_voice()
    assert await ana.receive_text() == t(lang, "gratitude.text_only")
    await ana.send_photo(caption="thank you!")
    assert await ana.receive_text() == t(lang, "gratitude.text_only")
    assert await _notes(bot) == []
    await bruno.nothing_more()

    await ana.send("  Gracias,\n\n\n\n   de verdad.  ")  # the step is still waiting
    assert await ana.receive_text() == t(lang, "gratitude.sent", name="Bruno")
    assert await _notes(bot) == ["Gracias,\n\nde verdad."]
    assert "Gracias,\n\nde verdad." in await bruno.receive_text(timeout=10)
    await bruno.nothing_more()


async def test_cancel_in_the_middle_sends_nothing(bot: BotHarness) -> None:
    ana, bruno, _ = await _world(bot)
    await ana.send("/thanks")
    await ana.receive()
    await ana.send("/cancel")
    assert await ana.receive_text() == t("en", "cancel.done")
    await ana.send("Thank you so much!")
    assert await ana.receive_text() != t("en", "gratitude.sent", name="Bruno")
    assert await _notes(bot) == []
    await bruno.nothing_more()


async def test_forged_and_stale_picks_are_refused(bot: BotHarness) -> None:
    ana, bruno, diego = await _world(bot)
    others = await _pair(bot, bruno, diego)
    await ana.send("/thanks")
    await ana.receive()
    await ana.send("/cancel")
    message = await ana.receive()
    for forged in (f"gt:{others.id}", "gt:999999", "gt:x", "gt:", "gt:1234567890123"):
        answer = await ana.press_data(forged, message=message)
        assert answer.text in (t("en", "gratitude.refused"), t("en", "stale_button"))
    forged_pair = await ana.press_data(f"gt:{others.id}", message=message)
    assert forged_pair.text == t("en", "gratitude.refused")  # Diego's pair is not Ana's
    await ana.send("Hi Diego")  # no step was opened by the forged buttons
    assert await ana.receive_text() != t("en", "gratitude.sent", name="Diego")

    await bruno.send("/thanks")
    picker = await bruno.receive()
    await bruno.send("/thanks")
    await bruno.receive()
    await bot.services.pairing.end(BRUNO, others.id, reason="finished", rating=None)
    bot.services.outbox.notify()
    assert await diego.receive_text(timeout=10) == t("en", "pair.ended.mentee")
    stale = await bruno.press("Diego", message=picker)  # an old picker, a pair since ended
    assert stale.text == t("en", "gratitude.refused")

    await press_and_read(bruno, "Ana")  # the newer picker: Ana's pair is still active
    await bot.services.pairing.end(ANA, (await _active(bot, ANA)).id, reason="", rating=None)
    bot.services.outbox.notify()
    assert await bruno.receive_text(timeout=10) == t("en", "pair.ended.mentor")
    await bruno.send("Thank you, Ana")  # the pair ended while he was writing
    assert await bruno.receive_text() == t("en", "gratitude.refused")
    assert await _notes(bot) == []
    await ana.nothing_more()
    await diego.nothing_more()


async def _active(bot: BotHarness, telegram_id: int) -> PairView:
    pairs = await bot.services.pairing.pairs_of(telegram_id, as_role=Role.MENTEE)
    assert len(pairs) == 1
    return pairs[0]


async def test_gratitude_lists_the_newest_ten_in_messages_that_fit(
    bot: BotHarness, clock: ManualClock
) -> None:
    _, bruno, _ = await _world(bot)
    pairing_id = (await _active(bot, ANA)).id
    for n in range(12):
        clock.advance(timedelta(days=1))
        await bot.services.gratitude.send(ANA, pairing_id, f"Note {n:02d} " + "é" * 990)
    bot.services.outbox.notify()
    for n in range(12):  # each card arrives in full, one message per note
        assert f"Note {n:02d} " + "é" * 990 in await bruno.receive_text(timeout=10)
    await bruno.send("/gratitude")
    chunks = [await bruno.receive_text()]
    while "Note 02" not in chunks[-1]:  # the oldest one listed closes the list
        chunks.append(await bruno.receive_text())
    await bruno.nothing_more()
    assert 2 <= len(chunks) < 12 and all(len(c) <= 4096 for c in chunks)
    whole = "\n\n".join(chunks)
    assert whole.startswith(t("en", "gratitude.inbox.some", total=12, shown=10))
    listed = [f"Note {n:02d}" for n in range(12) if f"Note {n:02d}" in whole]
    assert listed == [f"Note {n:02d}" for n in range(2, 12)]
    assert whole.index("Note 11") < whole.index("Note 02")  # newest first


async def test_counts_give_coordinators_numbers_never_words(
    bot: BotHarness, clock: ManualClock
) -> None:
    _, bruno, diego = await _world(bot)
    await _pair(bot, bruno, diego)
    gratitude = bot.services.gratitude
    ana_pair = (await _active(bot, ANA)).id
    await gratitude.send(ANA, ana_pair, "A secret word: pomegranate")
    clock.advance(timedelta(days=31))
    await gratitude.send(ANA, ana_pair, "Another secret: quince")
    await gratitude.send(DIEGO, (await _active(bot, DIEGO)).id, "Gracias, pomegranate")
    await gratitude.send(BRUNO, ana_pair, "Thank YOU, quince")

    programme = await bot.services.people.ensure_default_programme("Preceptor mentorship")
    counts = await gratitude.counts(programme.id)
    assert (counts.total, counts.recent, counts.recent_senders, counts.days) == (4, 3, 3, 30)
    values = dataclasses.astuple(counts)
    assert all(type(v) is int for v in values)
    assert "pomegranate" not in repr(counts) and "quince" not in repr(counts)
    assert (await gratitude.counts(programme.id, days=365)).recent == 4
    other = await bot.services.programmes.create(COORDINATOR, "Empty programme")
    assert dataclasses.astuple(await gratitude.counts(other.id)) == (other.id, 0, 0, 0, 30)


async def test_deleting_my_data_deletes_my_notes(bot: BotHarness) -> None:
    ana, bruno, diego = await _world(bot)
    await _pair(bot, bruno, diego)
    gratitude = bot.services.gratitude
    ana_pair = (await _active(bot, ANA)).id
    await gratitude.send(ANA, ana_pair, "From Ana")
    await gratitude.send(BRUNO, ana_pair, "To Ana")
    await gratitude.send(DIEGO, (await _active(bot, DIEGO)).id, "From Diego")
    assert await _notes(bot, ANA) == ["From Ana", "To Ana"]
    bot.services.outbox.notify()
    assert "From Ana" in await bruno.receive_text(timeout=10)
    assert "From Diego" in await bruno.receive_text(timeout=10)
    assert "To Ana" in await ana.receive_text(timeout=10)

    await ana.send("/deletemydata")
    await ana.receive()
    assert await press_and_read(ana, t("en", "delete.yes")) == t("en", "delete.done")
    assert await _notes(bot) == ["From Diego"]  # hers are gone, others' stay
    bot.services.outbox.notify()
    assert await bruno.receive_text(timeout=10) == t("en", "pair.ended.mentor")
    async with bot.services.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(GratitudeNote)) == 1
    await bruno.send("/gratitude")
    listing = await bruno.receive_text()
    assert "From Diego" in listing and "From Ana" not in listing
