"""Programmes and pairs through the real Application: a coordinator creates a programme and
gets its invite links; a mentee joins through one; once paired, the outbox delivers both
introductions; /mymentor and /mymentees show the pair; nobody else can use coordinator commands.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.i18n import t
from bot.services.profile import Step
from storage.database import Database
from storage.models import Membership, Role
from tests.fake_telegram import FakeUser
from tests.fake_telegram.validation import render_text
from tests.harness import BotHarness
from tests.scenario import onboard_mentee, onboard_mentor, press_and_read

pytestmark = pytest.mark.asyncio

COORDINATOR = 900  # configured in conftest's coordinator_ids


async def _coordinator(bot: BotHarness) -> None:
    await bot.services.people.consent(COORDINATOR, language="en", invite=None)


async def test_new_programme_gives_working_invite_links(bot: BotHarness) -> None:
    await _coordinator(bot)
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/newprogram Rural Paediatrics 2027")
    created = await carla.receive_text()
    assert "Rural Paediatrics 2027" in created
    links = [w for w in created.split() if w.startswith("https://t.me/")]
    assert len(links) == 3 and all(f"/{bot.app.bot.username}?start=" in w for w in links)
    mentee_code = links[0].split("start=")[1]

    ana = bot.fake.user(101, "Ana")
    await ana.send(f"/start {mentee_code}")
    await ana.receive()
    await ana.press(t("en", "consent.yes"))
    assert "Rural Paediatrics 2027" in await ana.receive_text()
    person = await bot.services.people.lookup(101)
    assert person is not None and person.roles == {Role.MENTEE}

    await carla.send("/invites")
    listing = await carla.receive_text()
    assert "Rural Paediatrics 2027" in listing and mentee_code in listing


async def test_coordinator_commands_are_refused_to_others(bot: BotHarness) -> None:
    ana = bot.fake.user(101, "Ana")
    for command in ("/newprogram Mine", "/invites"):
        await ana.send(command)
        assert await ana.receive_text() == t("en", "coordinator.only")
    await onboard_mentee(ana, "en")
    for command in ("/newprogram Mine", "/invites"):
        await ana.send(command)
        assert await ana.receive_text() == t("en", "coordinator.only")
    await _coordinator(bot)
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/newprogram")
    assert await carla.receive_text() == t("en", "programme.name_needed")


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_a_pair_is_introduced_through_the_outbox(bot: BotHarness, lang: str) -> None:
    await _coordinator(bot)
    ana = bot.fake.user(101, "Ana", language_code=lang)
    bruno = bot.fake.user(102, "Bruno", language_code=lang)
    await onboard_mentee(ana, lang)
    await onboard_mentor(bruno, lang)
    await ana.send("/mymentor")
    assert await ana.receive_text() == t(lang, "pairs.no_mentor")

    people = bot.services.people
    mentor = await people.lookup(102)
    mentee = await people.lookup(101)
    assert mentor is not None and mentee is not None
    programme = await people.ensure_default_programme("Preceptor mentorship")
    await bot.services.pairing.pair(COORDINATOR, programme.id, mentor.id, mentee.id)
    bot.services.outbox.notify()

    intro = await ana.receive_text(timeout=10)
    assert "Bruno" in intro and "@" not in intro  # a name, never a username
    assert "Ana" in await bruno.receive_text(timeout=10)
    await ana.send("/mymentor")
    assert "Bruno" in await ana.receive_text()
    await bruno.send("/mymentees")
    assert "Ana" in await bruno.receive_text()
    await bruno.send("/help")
    help_text = await bruno.receive_text()
    assert "/mymentees" in help_text and "/mymentor " not in help_text


@pytest.mark.parametrize(
    ("mentee_lang", "mentor_lang"), [("en", "en"), ("es", "es"), ("es", "en")]
)
async def test_each_side_is_introduced_with_the_others_card_and_what_to_expect(
    bot: BotHarness, mentee_lang: str, mentor_lang: str
) -> None:
    await _coordinator(bot)
    ana = bot.fake.user(101, "Ana", username="ana_md", language_code=mentee_lang)
    bruno = bot.fake.user(102, "Bruno", username="bruno_md", language_code=mentor_lang)
    await onboard_mentee(ana, mentee_lang)
    await onboard_mentor(bruno, mentor_lang)
    people = bot.services.people
    # Markup-looking text in a bio is shown as typed, never parsed as HTML.
    ana_bio = "Intern in <Cusco> & Puno, keen on rural paediatrics."
    bruno_bio = "Paediatrician in Lima; 15 years of rural clinics."
    await people.answer(101, Step.BIO, ana_bio)
    await people.answer(102, Step.BIO, bruno_bio)
    programme = await people.ensure_default_programme("Preceptor mentorship")
    await bot.services.programmes.update_settings(
        COORDINATOR, programme.id, answer_hours=36, checkin_cadence="fortnightly"
    )
    mentor, mentee = await people.lookup(102), await people.lookup(101)
    assert mentor is not None and mentee is not None
    await bot.services.pairing.pair(COORDINATOR, programme.id, mentor.id, mentee.id)
    bot.services.outbox.notify()

    # As each person sees it: the HTML parsed away, so escaped text reads as it was typed.
    to_ana = (await ana.receive(timeout=10)).plain_text or ""
    to_bruno = (await bruno.receive(timeout=10)).plain_text or ""
    for intro, lang, name, bio, stage in (
        (to_ana, mentee_lang, "Bruno", bruno_bio, "years_10_20"),
        (to_bruno, mentor_lang, "Ana", ana_bio, "resident"),
    ):
        paediatrics = t(lang, "field.paediatrics")
        assert name in intro and bio in intro
        assert paediatrics in intro and t(lang, f"stage.{stage}") in intro
        assert t(lang, "spoken.es") in intro
        assert t(lang, "reason.same_field", field=paediatrics) in intro  # why these two
        assert "36 h" in intro and t(lang, "pair.intro.cadence.fortnightly") in intro
        assert "ana_md" not in intro and "bruno_md" not in intro and "@" not in intro
        assert len(intro.splitlines()) <= 7  # a few short lines on a phone
    assert "/ask" in to_ana and t(mentee_lang, "pair.intro.ask.mentee", name="Bruno") in to_ana
    assert t(mentor_lang, "qa.reply") in to_bruno and "/ask" not in to_bruno
    # Each in their own language, greeted as the side they are.
    assert to_ana.splitlines()[0] == _shown(t(mentee_lang, "pair.intro.mentee", name="Bruno"))
    assert to_bruno.splitlines()[0] == _shown(t(mentor_lang, "pair.intro.mentor", name="Ana"))


def _shown(html_text: str) -> str:
    """What a person sees of a catalog text sent as HTML."""
    return render_text(html_text, "HTML", None)[0]


async def test_coordinator_pairs_in_three_taps_with_reasons(bot: BotHarness) -> None:
    await _coordinator(bot)
    carla = bot.fake.user(COORDINATOR, "Carla")
    ana = bot.fake.user(101, "Ana")
    bruno = bot.fake.user(102, "Bruno")
    await onboard_mentee(ana, "en")
    await onboard_mentor(bruno, "en")

    await carla.send("/pair")
    waiting = await carla.receive()
    assert waiting.button_texts == ["Ana"]
    await carla.press("Ana")
    proposal = await carla.receive()
    assert "Bruno" in (proposal.text or "")
    assert t("en", "reason.same_field", field=t("en", "field.paediatrics")) in (
        proposal.text or ""
    )
    confirm_data = proposal.buttons[0][0].callback_data or ""
    await carla.press("1. Bruno")
    assert "Ana" in await carla.receive_text() and not proposal.buttons

    intro = await ana.receive_text(timeout=10)
    assert "Bruno" in intro and t("en", "field.paediatrics") in intro  # the reasons, in words
    assert "Ana" in await bruno.receive_text(timeout=10)

    # The same button again (a double tap, or an old message): refused, nothing changes.
    again = await carla.press_data(confirm_data, message=proposal)
    assert again.show_alert and again.text == t("en", "pair.refused.has_mentor")
    await carla.send("/pair")
    assert "🎉" in await carla.receive_text()


@dataclass
class Members:
    """A coordinator, Ana (mentee) and Bruno (mentor), onboarded in the default programme."""

    ana: FakeUser
    bruno: FakeUser
    mentee_id: int
    mentor_id: int
    programme_id: int


async def _members(bot: BotHarness) -> Members:
    await _coordinator(bot)
    ana = bot.fake.user(101, "Ana")
    bruno = bot.fake.user(102, "Bruno")
    await onboard_mentee(ana, "en")
    await onboard_mentor(bruno, "en")
    mentee = await bot.services.people.lookup(101)
    mentor = await bot.services.people.lookup(102)
    assert mentee is not None and mentor is not None
    programme = await bot.services.people.ensure_default_programme("P")
    return Members(ana, bruno, mentee.id, mentor.id, programme.id)


async def test_forged_pairing_buttons_are_refused(bot: BotHarness) -> None:
    m = await _members(bot)
    ana, mentee_id, mentor_id, programme_id = m.ana, m.mentee_id, m.mentor_id, m.programme_id
    last = ana.inbox[-1]
    for data in (
        f"pm:{programme_id}:{mentee_id}",
        f"pc:{programme_id}:{mentor_id}:{mentee_id}",
        f"pp:{programme_id}",
    ):
        answer = await ana.press_data(data, message=last)
        assert answer.text == t("en", "coordinator.only")
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/help")
    await carla.receive()
    nonsense = await carla.press_data("pc:1:x:2", message=carla.inbox[-1])
    assert nonsense.text == t("en", "stale_button")
    wrong_role = await carla.press_data(
        f"pc:{programme_id}:{mentee_id}:{mentor_id}", message=carla.inbox[-1]
    )
    assert wrong_role.text == t("en", "pair.refused.not_members")
    assert await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE) == []


async def test_a_peer_mentor_who_is_also_a_mentee_is_never_their_own_mentor(
    bot: BotHarness, db: Database
) -> None:
    m = await _members(bot)
    async with db.session() as s:  # Bruno, a senior trainee, is mentored here too
        s.add(
            Membership(
                person_id=m.mentor_id,
                programme_id=m.programme_id,
                role=Role.MENTEE,
                joined_at=bot.services.clock.now(),
            )
        )
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/help")
    await carla.receive()
    itself = await carla.press_data(
        f"pc:{m.programme_id}:{m.mentor_id}:{m.mentor_id}", message=carla.inbox[-1]
    )
    assert itself.show_alert and itself.text == t("en", "pair.refused.same_person")
    assert await bot.services.pairing.pairs_of(102, as_role=Role.MENTOR) == []
    await m.bruno.nothing_more()


async def _paired(bot: BotHarness) -> tuple[FakeUser, FakeUser]:
    m = await _members(bot)
    await bot.services.pairing.pair(COORDINATOR, m.programme_id, m.mentor_id, m.mentee_id)
    bot.services.outbox.notify()
    await m.ana.receive(timeout=10)
    await m.bruno.receive(timeout=10)
    return m.ana, m.bruno


async def test_a_mentee_ends_the_pair_with_a_rating_and_a_reason(bot: BotHarness) -> None:
    ana, bruno = await _paired(bot)
    [pair] = await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE)
    await ana.send("/endpair")
    pick = await ana.receive()
    assert pick.button_texts == ["Ana ↔ Bruno"]
    await ana.press("Ana ↔ Bruno")
    rate = await ana.receive()
    assert rate.button_texts == ["1", "2", "3", "4", "5"]
    await ana.press("4")
    await ana.receive()  # the reason question
    done = await press_and_read(ana, t("en", "endreason.no_time"))
    assert "Ana ↔ Bruno" in done
    assert t("en", "pair.ended.mentor") == await bruno.receive_text(timeout=10)
    assert await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE) == []
    assert not pick.buttons and not rate.buttons  # every step's buttons are taken away
    replay = await ana.press_data(f"ex:{pair.id}:4:no_time", message=rate)  # a replayed tap
    assert replay.text == t("en", "pair.refused.already_ended")
    await ana.send("/endpair")
    assert await ana.receive_text() == t("en", "endpair.none")


async def test_a_coordinator_unpairs_and_both_sides_are_told(bot: BotHarness) -> None:
    ana, bruno = await _paired(bot)
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/unpair")
    await carla.receive()
    await carla.press("Ana ↔ Bruno")
    await carla.receive()  # the rating: a coordinator may skip it
    await carla.press(t("en", "end.skip"))
    await carla.receive()  # the reason
    await press_and_read(carla, t("en", "endreason.no_fit"))
    assert await ana.receive_text(timeout=10) == t("en", "pair.ended.mentee")
    assert await bruno.receive_text(timeout=10) == t("en", "pair.ended.mentor")


async def test_outsiders_cannot_end_a_pair(bot: BotHarness) -> None:
    await _paired(bot)
    eve = bot.fake.user(103, "Eve")
    await onboard_mentee(eve, "en")
    pairs = await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE)
    answer = await eve.press_data(f"ex:{pairs[0].id}:0:other", message=eve.inbox[-1])
    assert answer.text == t("en", "pair.refused.not_yours")
    assert await bot.services.pairing.pairs_of(101, as_role=Role.MENTEE) == pairs


async def test_an_away_mentor_gets_no_new_mentee_until_back(bot: BotHarness) -> None:
    m = await _members(bot)
    await m.bruno.send("/away")
    await m.bruno.receive()
    assert "🌴" in await press_and_read(m.bruno, t("en", "away.14"))
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/pair")
    await carla.receive()
    await carla.press("Ana")
    assert "Ana" in await carla.receive_text()  # no mentor can take her now
    refused = await carla.press_data(
        f"pc:{m.programme_id}:{m.mentor_id}:{m.mentee_id}", message=carla.inbox[-1]
    )
    assert refused.text == t("en", "pair.refused.away")
    await m.bruno.send("/away")
    await m.bruno.receive()
    assert await press_and_read(m.bruno, t("en", "away.back")) == t("en", "away.returned")
    await bot.services.pairing.pair(COORDINATOR, m.programme_id, m.mentor_id, m.mentee_id)
    await m.ana.send("/away")
    assert await m.ana.receive_text() == t("en", "away.mentors_only")


async def test_match_proposes_the_best_pairs_and_forms_them_on_approval(bot: BotHarness) -> None:
    m = await _members(bot)
    eva = bot.fake.user(103, "Eva")
    await onboard_mentee(eva, "en")
    lone = bot.fake.user(104, "Lone")
    await onboard_mentee(lone, "en")
    # Lone speaks only Quechua: nobody can mentor him.
    await bot.services.people.toggle(104, Step.LANGUAGES, "es")
    await bot.services.people.toggle(104, Step.LANGUAGES, "qu")
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/match")
    preview = await carla.receive()
    text = preview.text or ""
    assert "Ana ↔ Bruno" in text or "Eva ↔ Bruno" in text
    assert f"Lone: {t('en', 'unmatched.no_common_language')}" in text
    approve = preview.buttons[0][0].callback_data or ""
    await carla.press(t("en", "match.approve"))
    assert await carla.receive_text() == t("en", "match.done", formed=2, skipped=0)
    assert "Bruno" in await m.ana.receive_text(timeout=10)
    assert "Bruno" in await eva.receive_text(timeout=10)
    assert len(await bot.services.pairing.pairs_of(102, as_role=Role.MENTOR)) == 2
    replay = await carla.press_data(approve, message=preview)
    assert replay.text == t("en", "stale_button")  # the one-time code is spent


async def test_a_coordinator_changes_single_pairs_before_approving(bot: BotHarness) -> None:
    m = await _members(bot)
    eva = bot.fake.user(103, "Eva")
    await onboard_mentee(eva, "en")
    dora = bot.fake.user(105, "Dora")
    await onboard_mentor(dora, "en")
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/match")
    preview = await carla.receive()
    assert preview.button_texts == [
        t("en", "match.approve"), t("en", "match.change"), t("en", "match.cancel")
    ]  # fmt: skip
    await carla.press(t("en", "match.change"), message=preview)
    pick = await carla.wait_edited(preview)
    ana_pair = next(b for b in pick.button_texts if b.startswith("Ana ↔ "))
    first_mentor = ana_pair.removeprefix("Ana ↔ ")
    other = "Dora" if first_mentor == "Bruno" else "Bruno"
    await carla.press(ana_pair, message=pick)
    options = await carla.wait_edited(pick)
    assert options.text == t("en", "match.pick_mentor", name="Ana")
    stale_change = pick.buttons[0][0].callback_data or ""
    await carla.press(
        next(b for b in options.button_texts if b.startswith(other)), message=options
    )
    redrawn = await carla.wait_edited(options)
    assert f"Ana ↔ {other}" in (redrawn.text or "")
    # The preview's old buttons died with the change.
    assert (await carla.press_data(stale_change, message=redrawn)).text == t("en", "stale_button")

    await carla.press(t("en", "match.change"), message=redrawn)
    pick = await carla.wait_edited(redrawn)
    await carla.press(next(b for b in pick.button_texts if b.startswith("Eva ↔ ")), message=pick)
    options = await carla.wait_edited(pick)
    await carla.press(t("en", "match.leave_unmatched"), message=options)
    final = await carla.wait_edited(options)
    assert f"Eva: {t('en', 'unmatched.by_coordinator')}" in (final.text or "")
    await carla.press(t("en", "match.approve"), message=final)
    assert await carla.receive_text() == t("en", "match.done", formed=1, skipped=0)
    assert other in await m.ana.receive_text(timeout=10)
    assert await bot.services.pairing.pairs_of(103, as_role=Role.MENTEE) == []


async def test_match_is_for_coordinators_only(bot: BotHarness) -> None:
    m = await _members(bot)
    await m.ana.send("/match")
    assert await m.ana.receive_text() == t("en", "coordinator.only")
    forged = await m.ana.press_data(f"mp:{m.programme_id}", message=m.ana.inbox[-1])
    assert forged.text == t("en", "coordinator.only")


async def test_a_coordinator_of_several_programmes_picks_one_first(bot: BotHarness) -> None:
    await _members(bot)
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/newprogram Urban Surgery")
    await carla.receive()
    for command in ("/match", "/pair"):
        await carla.send(command)
        pick = await carla.receive()
        assert pick.text == t("en", "pair.pick_programme")
        assert pick.button_texts == ["Preceptor mentorship", "Urban Surgery"]
        await carla.press("Urban Surgery")
        assert "Urban Surgery" in await carla.receive_text()  # nobody waits there yet


async def test_programme_settings_change_with_one_tap(bot: BotHarness) -> None:
    m = await _members(bot)
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/programme")
    card = await carla.receive()
    assert t("en", "programme.mode.coordinator") in (card.text or "")
    saved = await carla.press(t("en", "programme.mode.choice"), message=card)
    assert saved.text == t("en", "programme.saved")
    await carla.wait_edited(card)
    assert "<b>" + t("en", "programme.mode.choice") in (card.text or "")
    await carla.press("72 h", message=card)
    await carla.wait_edited(card)
    programme = await bot.services.programmes.get(COORDINATOR, m.programme_id)
    assert (programme.settings.pairing_mode, programme.settings.answer_hours) == ("choice", 72)
    old_code = programme.invites[Role.MENTEE]
    await carla.press(t("en", "programme.view.invites"), message=card)
    await carla.wait_edited(card)
    await carla.press(t("en", "programme.rotate", role=t("en", "role.mentee")), message=card)
    assert "https://t.me/" in await carla.receive_text()
    assert await bot.services.people.find_invite(old_code) is None
    forged = await m.ana.press_data(f"ps:{m.programme_id}:mode:batch", message=m.ana.inbox[-1])
    assert forged.text == t("en", "coordinator.only")
    after = await bot.services.programmes.get(COORDINATOR, m.programme_id)
    assert after.settings.pairing_mode == "choice"
