"""Every coordinator command and button, refused to anyone who does not coordinate that
programme: a mentee, and a coordinator of another programme. One table over all of them —
programmes, pairing, matching, exclusions, unpairing, broadcasts, statistics, export, members —
and afterwards nothing in programme A has changed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.i18n import t
from bot.services.programmes import ProgrammeSettings
from storage.models import (
    AuditEntry,
    Broadcast,
    BroadcastStatus,
    InviteCode,
    Membership,
    OutboxMessage,
    Pairing,
    PairingExclusion,
    PairingOrigin,
    PairingStatus,
    Programme,
    Role,
)
from tests.fake_telegram import FakeUser
from tests.harness import BotHarness
from tests.test_broadcasts_bot import COORDINATOR, coordinator, seed_people

pytestmark = pytest.mark.asyncio

COMMANDS = (
    "/newprogram Mine", "/invites", "/programme", "/match", "/pair", "/unpair", "/exclude",
    "/exclusions", "/broadcast", "/broadcasts", "/stats", "/export", "/members",
)  # fmt: skip
ONLY = "coordinator.only"


def buttons(a: int, eve: int, max_: int, pair: int, draft: int, planned: int, m: int) -> list:
    """``(callback data, refusal key)`` for every coordinator button, aimed at programme A."""
    return [
        (f"pp:{a}", ONLY), (f"pm:{a}:{eve}", ONLY), (f"pc:{a}:{max_}:{eve}", ONLY),
        (f"pi:{a}:{max_}:{eve}", ONLY), (f"mp:{a}", ONLY), ("ma:deadbeef", "stale_button"),
        ("mx:deadbeef", "stale_button"), ("mv:deadbeef:1", "stale_button"),
        (f"ps:{a}", ONLY), (f"ps:{a}:mode:batch", ONLY), (f"ps:{a}:rotate:mentee", ONLY),
        (f"ps:{a}:disable:mentee", ONLY), (f"ps:{a}:weight:field.off", ONLY),
        (f"ps:{a}:expiry:168", ONLY), (f"ps:{a}:view:weights", ONLY),
        (f"ep:{pair}", "pair.refused.not_yours"), (f"er:{pair}:3", "pair.refused.not_yours"),
        (f"xp:{a}", ONLY), (f"xl:{a}", ONLY), (f"xm:{a}:{eve}", ONLY),
        (f"xc:{a}:{eve}:{max_}", ONLY), (f"xy:{a}:{eve}:{max_}", ONLY),
        (f"xr:{a}:{eve}:{max_}", ONLY), (f"ex:{pair}:0:other", "pair.refused.not_yours"),
        (f"ba:{draft}:{a}:a", ONLY), (f"ba:{draft}:0:a", ONLY), (f"bs:{draft}", ONLY),
        (f"bt:{draft}", ONLY), (f"bx:{draft}", ONLY), (f"bc:{planned}", ONLY),
        (f"by:{planned}", ONLY), (f"ss:{a}", ONLY), (f"sx:{a}", ONLY), (f"sm:{a}", ONLY),
        (f"sm:{a}:15", ONLY), (f"si:{a}", ONLY), (f"sd:{m}", ONLY), (f"sr:{m}", ONLY),
        (f"sy:{m}:0", ONLY), (f"sn:{m}", ONLY),
    ]  # fmt: skip


async def _world(bot: BotHarness, clock: ManualClock) -> tuple[FakeUser, FakeUser, list]:
    """Programme A (Carla's, with people, a pair and broadcasts) and B (Dan's only)."""
    _carla, a = await coordinator(bot)
    now = clock.now()
    _ana_id, eve = await seed_people(bot.services.db, a, 2000, 2, at=now)
    [max_] = await seed_people(bot.services.db, a, 3000, 1, role=Role.MENTOR, at=now)
    other = await bot.services.programmes.create(COORDINATOR, "Programme B")
    invite = await bot.services.people.find_invite(other.invites[Role.COORDINATOR])
    await bot.services.people.consent(950, language="en", invite=invite)
    async with bot.services.db.session() as s:
        pair = Pairing(programme_id=a, mentor_id=max_, mentee_id=eve,
                       status=PairingStatus.ACTIVE, origin=PairingOrigin.COORDINATOR,
                       reasons=[], started_at=now)  # fmt: skip
        s.add(pair)
        await s.flush()
        membership = await s.scalar(select(Membership.id).where(Membership.person_id == eve))
    broadcasts = bot.services.broadcasts
    draft = await broadcasts.draft(COORDINATOR, "Draft for A")
    await broadcasts.choose_audience(COORDINATOR, draft.id, a, "all")
    planned = await broadcasts.draft(COORDINATOR, "Planned for A")
    await broadcasts.choose_audience(COORDINATOR, planned.id, a, "all")
    await broadcasts.schedule(COORDINATOR, planned.id, "20/11/2026 09:00", chat_id=COORDINATOR,
                              message_id=1)  # fmt: skip
    ana = bot.fake.user(2000, "Ana")
    dan = bot.fake.user(950, "Dan")
    return ana, dan, buttons(a, eve, max_, pair.id, draft.id, planned.id, membership or 0)


async def _nothing_changed(bot: BotHarness) -> None:
    async with bot.services.db.read() as s:
        statuses = list(await s.scalars(select(Broadcast.status).order_by(Broadcast.id)))
        assert statuses[:2] == [BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED]  # A's
        assert await s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.ref.like("b:%"))) == 0  # fmt: skip
        assert list(await s.scalars(select(Membership.deactivated_at).where(
            Membership.deactivated_at.is_not(None)))) == []  # fmt: skip
        assert list(await s.scalars(select(Pairing.status))) == [PairingStatus.ACTIVE]
        assert await s.scalar(select(func.count()).select_from(PairingExclusion)) == 0
        programme_a = select(Programme.id).where(Programme.is_default)
        settings = await s.scalar(select(Programme.settings).where(Programme.is_default))
        assert ProgrammeSettings.from_json(settings or {}) == ProgrammeSettings()
        live_invites = (
            select(func.count())
            .select_from(InviteCode)
            .where(InviteCode.programme_id.in_(programme_a), InviteCode.active)
        )
        assert await s.scalar(live_invites) == 3  # none rotated or disabled
        audited = (
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action != "broadcast_schedule", AuditEntry.programme_id.in_(programme_a)
            )
        )
        assert await s.scalar(audited) == 0


async def test_coordinator_commands_and_buttons_are_refused_to_outsiders(
    bot: BotHarness, clock: ManualClock
) -> None:
    ana, dan, table = await _world(bot, clock)
    for command in COMMANDS:
        await ana.send(command)
        assert await ana.receive_text() == t("en", ONLY), command
    for person in (ana, dan):
        await person.send("/help")
        message = await person.receive()
        for data, key in table:
            answer = await person.press_data(data, message=message)
            expected = None if key is None else t("en", key)
            assert answer.text == expected, (person.first_name, data, answer.text)
        leaked = [m.text for m in person.inbox if "Preceptor mentorship" in (m.text or "")]
        assert leaked == [], leaked
    await _nothing_changed(bot)


async def test_a_coordinator_of_b_sees_only_b(bot: BotHarness, clock: ManualClock) -> None:
    _ana, dan, _table = await _world(bot, clock)
    for command in ("/invites", "/programme", "/stats", "/members", "/unpair", "/exclusions",
                    "/broadcasts"):  # fmt: skip
        await dan.send(command)
        reply = await dan.receive_text(timeout=10)
        assert "Preceptor mentorship" not in reply, (command, reply)
        if command in ("/invites", "/programme", "/stats", "/members"):
            assert "Programme B" in reply, (command, reply)
        if command == "/stats":
            await dan.receive(timeout=15)  # the chart
    await dan.send("/export")
    export = await dan.receive(timeout=10)
    assert export.kind == "document" and "Programme B" in (export.text or "")
    await dan.send("/broadcast")
    await dan.receive()
    await dan.send("Hello B")
    audiences = await dan.receive()
    assert audiences.button_texts[0] == t("en", "broadcast.audience.all", programme="Programme B")
    assert not any("Preceptor" in b for b in audiences.button_texts)
    await _nothing_changed(bot)
