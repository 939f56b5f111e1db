"""Automatic batch programmes, through the real Application: once a coordinator picks
"automatic" in ``/programme``, the minute sweep pairs every waiting mentee optimally, both
sides are introduced, the coordinators get one summary, and the next run is a day later —
one run after any downtime, none once the programme leaves batch mode."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.i18n import t
from bot.services.pairing import BatchProposal
from storage.models import Pairing, PairingOrigin, PairingStatus, Role
from tests.fake_telegram import FakeUser
from tests.harness import BotHarness, deliver_everything
from tests.scenario import join_directly

pytestmark = pytest.mark.asyncio

COORDINATOR = 900  # configured in conftest's coordinator_ids
PROGRAMME = "Preceptor mentorship"  # the default programme the harness creates


async def _batch_programme(bot: BotHarness) -> FakeUser:
    """Carla's programme in automatic mode, with two mentors (3 places each)."""
    await bot.services.people.consent(COORDINATOR, language="en", invite=None)
    await bot.services.people.ensure_default_programme("P")
    for telegram_id, name in ((201, "Bruno"), (202, "Dora")):
        await join_directly(bot, telegram_id, name, Role.MENTOR, "en")
    carla = bot.fake.user(COORDINATOR, "Carla")
    await carla.send("/programme")
    card = await carla.receive()
    saved = await carla.press(t("en", "programme.mode.batch"), message=card)
    assert saved.text == t("en", "programme.saved")
    return carla


async def _active_pairs(bot: BotHarness) -> list[tuple[int, PairingOrigin]]:
    async with bot.services.db.read() as s:
        rows = await s.execute(
            select(Pairing.mentee_id, Pairing.origin).where(Pairing.status == PairingStatus.ACTIVE)
        )
        return sorted((mentee, origin) for mentee, origin in rows)


async def test_waiting_mentees_are_paired_daily_and_both_sides_introduced(
    bot: BotHarness, clock: ManualClock
) -> None:
    carla = await _batch_programme(bot)
    mentees = [
        await join_directly(bot, 300 + n, f"Mentee{n}", Role.MENTEE, "en") for n in range(4)
    ]
    pairing = bot.services.pairing
    assert await pairing.batch_sweep() == 4
    assert await pairing.batch_sweep() == 0  # the next run is a day away
    await deliver_everything(bot.services, clock)
    for mentee in mentees:
        intro = await mentee.receive_text(timeout=10)
        assert intro.startswith(t("en", "pair.intro.mentee", name="X").split("<b>")[0])
    summary = await carla.receive_text(timeout=10)
    assert summary == t("en", "match.auto_done", programme=PROGRAMME, formed=4, waiting=0)
    pairs = await _active_pairs(bot)
    assert len(pairs) == 4 and {origin for _, origin in pairs} == {PairingOrigin.BATCH}

    late = await join_directly(bot, 310, "Late", Role.MENTEE, "en")
    clock.advance(timedelta(hours=23))
    assert await pairing.batch_sweep() == 0
    clock.advance(timedelta(hours=1))
    assert await pairing.batch_sweep() == 1
    await deliver_everything(bot.services, clock)
    intro = await late.receive_text(timeout=10)
    assert "Bruno" in intro or "Dora" in intro
    assert await carla.receive_text(timeout=10) == t(
        "en", "match.auto_done", programme=PROGRAMME, formed=1, waiting=0
    )


async def test_a_quiet_day_says_nothing_and_downtime_means_one_run(
    bot: BotHarness, clock: ManualClock
) -> None:
    carla = await _batch_programme(bot)
    assert await bot.services.pairing.batch_sweep() == 0  # nobody waits: nothing to say
    await deliver_everything(bot.services, clock)
    await carla.nothing_more()
    for n in range(7):  # more mentees than the two mentors' six places
        await join_directly(bot, 300 + n, f"Mentee{n}", Role.MENTEE, "en")
    clock.advance(timedelta(days=5))  # the bot was down for days
    assert await bot.services.pairing.batch_sweep() == 6
    assert await bot.services.pairing.batch_sweep() == 0
    await deliver_everything(bot.services, clock)
    summaries = [m.text for m in carla.inbox if "🧩" in (m.text or "")]
    assert summaries == [t("en", "match.auto_done", programme=PROGRAMME, formed=6, waiting=1)]


async def test_leaving_batch_mode_stops_the_daily_run(bot: BotHarness, clock: ManualClock) -> None:
    carla = await _batch_programme(bot)
    await carla.send("/programme")
    card = await carla.receive()
    await carla.press(t("en", "programme.mode.coordinator"), message=card)
    await join_directly(bot, 300, "Mia", Role.MENTEE, "en")
    clock.advance(timedelta(days=2))
    assert await bot.services.pairing.batch_sweep() == 0
    assert await _active_pairs(bot) == []
    # Back to automatic: the next minute sweep pairs her.
    await carla.press(t("en", "programme.mode.batch"), message=card)
    assert await bot.services.pairing.batch_sweep() == 1


async def test_a_mentee_paired_by_hand_meanwhile_is_not_paired_twice(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proposal is computed before the pairs are formed; every pair is checked again."""
    await _batch_programme(bot)
    mia = await join_directly(bot, 300, "Mia", Role.MENTEE, "en")
    people = bot.services.people
    mentee, mentor = await people.lookup(mia.id), await people.lookup(201)
    assert mentee is not None and mentor is not None
    programme = await people.ensure_default_programme("P")
    pairing = bot.services.pairing
    proposal_in = pairing._proposal_in

    async def hand_pairing_first(s: AsyncSession, programme_id: int) -> BatchProposal:
        proposal = await proposal_in(s, programme_id)
        assert [p.mentee.person_id for p in proposal.pairs] == [mentee.id]
        await pairing.pair(COORDINATOR, programme.id, mentor.id, mentee.id)
        return proposal

    monkeypatch.setattr(pairing, "_proposal_in", hand_pairing_first)
    assert await pairing.batch_sweep() == 0
    assert await _active_pairs(bot) == [(mentee.id, PairingOrigin.COORDINATOR)]
