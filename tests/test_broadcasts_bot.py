"""Broadcasts through the real Application: a coordinator writes, picks an audience, sees the
recipients counted, sends; everyone chosen gets it once (deactivated, deleted and blocked
people never), the progress message ends as a report; a scheduled one starts with the sweep
and can be cancelled; mentees without a recent check-in form an audience of their own; and
interactive replies stay prompt while a large broadcast is going out at Telegram's rate.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.app import build_application
from bot.clock import ManualClock
from bot.i18n import t
from bot.services.outbox import enqueue
from storage.database import Database
from storage.models import (
    AuditEntry,
    BroadcastStatus,
    CheckIn,
    Membership,
    OutboxMessage,
    Person,
    PersonStatus,
    Role,
)
from tests.fake_telegram import BotMessage, FakeTelegram, FakeUser
from tests.harness import BotHarness, settings_for, until

pytestmark = pytest.mark.asyncio

COORDINATOR = 900


async def seed_people(
    db: Database,
    programme_id: int,
    first: int,
    count: int,
    *,
    role: Role = Role.MENTEE,
    at: datetime,
    language: str = "en",
) -> list[int]:
    """``count`` onboarded members written straight to the database; returns person ids."""
    async with db.session() as s:
        people = [
            Person(
                telegram_id=first + n,
                display_name=f"P{first + n}",
                language=language,
                status=PersonStatus.ACTIVE,
                consent_at=at,
                onboarded_at=at,
                created_at=at,
                updated_at=at,
            )
            for n in range(count)
        ]
        s.add_all(people)
        await s.flush()
        s.add_all(
            Membership(person_id=p.id, programme_id=programme_id, role=role, joined_at=at)
            for p in people
        )
        return [p.id for p in people]


async def coordinator(bot: BotHarness) -> tuple[FakeUser, int]:
    """Carla, coordinator of the default programme; and that programme's id."""
    await bot.services.people.consent(COORDINATOR, language="en", invite=None)
    programme = await bot.services.people.ensure_default_programme("Preceptor mentorship")
    return bot.fake.user(COORDINATOR, "Carla"), programme.id


async def compose_broadcast(carla: FakeUser, text: str, audience: str) -> BotMessage:
    """``/broadcast``, the text, the audience button: returns the preview message."""
    await carla.send("/broadcast")
    assert await carla.receive_text() == t("en", "broadcast.write")
    await carla.send(text)
    pick = await carla.receive()
    await carla.press(audience, message=pick)
    await carla.wait_edited(pick)
    return pick


async def has_text(user: FakeUser, fragment: str) -> bool:
    return any(fragment in (m.text or "") for m in user.inbox)


async def copies(db: Database, broadcast_id: int) -> Sequence[OutboxMessage]:
    async with db.read() as s:
        return (
            await s.scalars(select(OutboxMessage).where(OutboxMessage.ref == f"b:{broadcast_id}"))
        ).all()


async def test_a_broadcast_reaches_its_audience_once_and_reports(
    bot: BotHarness, clock: ManualClock
) -> None:
    carla, pid = await coordinator(bot)
    db = bot.services.db
    now = clock.now()
    mentees = await seed_people(db, pid, 2000, 5, at=now)
    await seed_people(db, pid, 3000, 2, role=Role.MENTOR, at=now)
    users = [bot.fake.user(2000 + n, f"M{n}") for n in range(4)]  # 2004 left Telegram
    async with db.session() as s:  # deactivated, deleted, blocked: never in an audience
        await s.execute(
            update(Membership).where(Membership.person_id == mentees[0]).values(deactivated_at=now)
        )
        await s.execute(
            update(Person).where(Person.id == mentees[1]).values(status=PersonStatus.DELETED)
        )
        await s.execute(
            update(Person).where(Person.id == mentees[2]).values(status=PersonStatus.BLOCKED)
        )

    label = t("en", "broadcast.audience.mentees", programme="Preceptor mentorship")
    preview = await compose_broadcast(carla, "Ward round moved to <Friday> & 9:00", label)
    assert "Ward round moved to &lt;Friday&gt; &amp; 9:00" in (preview.text or "")
    assert (preview.text or "").endswith(f"{label}\n<b>Recipients:</b> 2")
    await carla.press(t("en", "broadcast.send_now"), message=preview)

    received = await users[3].receive(timeout=10)
    assert received.text == "Ward round moved to &lt;Friday&gt; &amp; 9:00"
    await until(lambda: has_text(carla, "is done"), within=20)
    for user in users[:3]:
        assert user.inbox == []
    assert len(users[3].inbox) == 1
    [row] = (await bot.services.broadcasts.listing(COORDINATOR))[:1]
    assert (row.status, row.total, row.figures.sent, row.figures.undeliverable) == (
        BroadcastStatus.DONE,
        2,
        1,
        1,
    )
    report = next(m.text for m in carla.inbox if "is done" in (m.text or ""))
    assert report is not None and "1 of 2" in report
    await carla.wait_edited(preview, timeout=10)
    assert "done" in (preview.text or "")
    async with db.read() as s:
        actions = list(await s.scalars(select(AuditEntry.action)))
    assert actions == ["broadcast_send"]

    await carla.send("/broadcasts")
    await until(lambda: has_text(carla, f"#{row.id} · done"))
    listing = next(m.text or "" for m in carla.inbox if f"#{row.id} · done" in (m.text or ""))
    assert "sent 1/2, could not deliver 1" in listing


async def test_a_photo_is_scheduled_in_the_coordinators_time_and_started_by_the_sweep(
    bot: BotHarness, clock: ManualClock
) -> None:
    carla, pid = await coordinator(bot)
    await seed_people(bot.services.db, pid, 2000, 2, at=clock.now())
    ana, ben = bot.fake.user(2000, "Ana"), bot.fake.user(2001, "Ben")
    await carla.send("/broadcast")
    await carla.receive()
    await carla.send_photo(caption="New rota")
    pick = await carla.receive()
    await carla.press(t("en", "broadcast.audience.all", programme="Preceptor mentorship"))
    await carla.wait_edited(pick)
    assert t("en", "broadcast.media.photo") in (pick.text or "")
    await carla.press(t("en", "broadcast.schedule"), message=pick)
    assert "UTC" in await carla.receive_text()
    for typed, problem in [
        ("someday 9:00", "format"),
        ("18/11/2026 11:00", "past"),
        ("31/02/2027 09:00", "format"),
        ("01/06/2027 09:00", "too_far"),
    ]:
        await carla.send(typed)
        assert await carla.receive_text() == t("en", f"broadcast.when.{problem}")
    await carla.send("tomorrow 9:30")
    assert "19/11/2026 09:30" in await carla.receive_text()

    assert await bot.services.broadcasts.sweep() == 0  # not due yet
    await ana.nothing_more(within=0.2)
    clock.advance(timedelta(hours=22))
    assert await bot.services.broadcasts.sweep() >= 1
    bot.services.outbox.notify()
    photo = await ana.receive(timeout=10)
    assert photo.kind == "photo" and photo.text == "New rota"
    assert (await ben.receive(timeout=10)).kind == "photo"
    await until(lambda: has_text(carla, "is done"), within=20)


async def test_a_scheduled_broadcast_is_cancelled_from_the_list(
    bot: BotHarness, clock: ManualClock
) -> None:
    carla, pid = await coordinator(bot)
    await seed_people(bot.services.db, pid, 2000, 3, at=clock.now())
    label = t("en", "broadcast.audience.all", programme="Preceptor mentorship")
    preview = await compose_broadcast(carla, "Exam on Monday", label)
    await carla.press(t("en", "broadcast.schedule"), message=preview)
    await carla.receive()
    await carla.send("20/11/2026 08:00")
    await carla.receive()
    await carla.send("/broadcasts")
    listing = await carla.receive()
    assert t("en", "broadcast.status.scheduled") in (listing.text or "")
    [bid] = [int(b.callback_data[3:]) for row in listing.buttons for b in row if b.callback_data]
    await carla.press(t("en", "broadcast.cancel.button", id=bid), message=listing)
    confirm = await carla.receive()
    await carla.press(t("en", "broadcast.cancel.yes"), message=confirm)
    await carla.wait_edited(confirm)
    assert confirm.text == t("en", "broadcast.cancel.done", id=bid, sent=0, withdrawn=0)
    again = await carla.press_data(f"by:{bid}", message=confirm)
    assert again.text == t("en", "broadcast.refused.finished")
    clock.advance(timedelta(days=3))
    assert await bot.services.broadcasts.sweep() == 0
    assert await copies(bot.services.db, bid) == []


async def test_mentees_without_a_recent_check_in_form_an_audience(
    bot: BotHarness, clock: ManualClock
) -> None:
    _carla, pid = await coordinator(bot)
    now = clock.now()
    quiet, recent, old = await seed_people(bot.services.db, pid, 2000, 3, at=now)
    await seed_people(bot.services.db, pid, 3000, 1, role=Role.MENTOR, at=now)
    async with bot.services.db.session() as s:
        for n, (person, answered) in enumerate(
            [(recent, now - timedelta(days=3)), (old, now - timedelta(days=45)),
             (quiet, None)]
        ):  # fmt: skip
            s.add(
                CheckIn(person_id=person, programme_id=pid, kind="pulse", period=f"W{n}",
                        local_day=(now - timedelta(days=n)).date(), sent_at=now,
                        answered_at=answered, score=3 if answered else None, details={})
            )  # fmt: skip
    draft = await bot.services.broadcasts.draft(COORDINATOR, "How are you doing?")
    view = await bot.services.broadcasts.choose_audience(
        COORDINATOR, draft.id, pid, "quiet_mentees"
    )
    assert view.recipients == 2
    await bot.services.broadcasts.send_now(COORDINATOR, draft.id, chat_id=COORDINATOR,
                                           message_id=1)  # fmt: skip
    await bot.services.broadcasts.fan_out(draft.id)
    assert {row.person_id for row in await copies(bot.services.db, draft.id)} == {quiet, old}


async def test_broadcast_texts_are_checked(bot: BotHarness) -> None:
    carla, _pid = await coordinator(bot)
    await carla.send("/broadcast")
    await carla.receive()
    await carla.send("x" * 4097)
    assert await carla.receive_text() == t("en", "broadcast.refused.too_long")
    await carla.send_sticker()
    assert await carla.receive_text() == t("en", "broadcast.refused.empty")
    await carla.send("/cancel")
    assert await carla.receive_text() == t("en", "cancel.done")


@pytest.mark.slow
async def test_replies_stay_prompt_during_a_large_broadcast(
    fake: FakeTelegram, db: Database
) -> None:
    """At Telegram's real 30 messages/s, with 400 copies queued: an interactive outbox row
    and a direct reply each arrive in well under a second."""
    settings = settings_for(fake, db.url.render_as_string(hide_password=False),
                            coordinator_ids=frozenset({COORDINATOR}))  # fmt: skip
    app = build_application(settings, db, dispose_db_on_shutdown=False)  # 30 messages/s
    fake.limits(global_per_second=30)  # and Telegram would refuse more
    await app.initialize()
    assert app.post_init is not None and app.updater is not None
    await app.post_init(app)
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        services = app.bot_data.services
        assert services is not None
        await services.people.consent(COORDINATOR, language="en", invite=None)
        programme = await services.people.ensure_default_programme("P")
        now = services.clock.now()
        await seed_people(db, programme.id, 10_000, 400, at=now)
        for n in range(400):
            fake.user(10_000 + n, f"U{n}")
        draft = await services.broadcasts.draft(COORDINATOR, "Big news")
        await services.broadcasts.choose_audience(COORDINATOR, draft.id, programme.id, "all")
        await services.broadcasts.send_now(COORDINATOR, draft.id, chat_id=COORDINATOR,
                                           message_id=1)  # fmt: skip
        await services.broadcasts.fan_out(draft.id)
        services.outbox.notify()
        sent = lambda: len(fake.calls_to("sendMessage"))  # noqa: E731

        async def underway() -> bool:
            return sent() >= 60

        await until(underway, within=15)
        eve = fake.user(99, "Eve")
        started = time.monotonic()
        async with db.session() as s:
            enqueue(s, chat_id=99, person_id=None, kind="answer", payload={"text": "Reply"},
                    now=services.clock.now())  # fmt: skip
        services.outbox.notify()
        await eve.receive(timeout=5)
        interactive = time.monotonic() - started
        started = time.monotonic()
        await eve.send("/help")
        await eve.receive(timeout=5)
        direct = time.monotonic() - started
        still_to_go = 400 - sum(
            1 for c in fake.calls_to("sendMessage") if c.ok and c.params["chat_id"] >= 10_000
        )
        assert still_to_go > 100, "the broadcast must still be in flight"
        assert not [c for c in fake.calls if c.error_code == 429]  # evenly spaced sends
        assert interactive < 1.0, interactive
        assert direct < 1.0, direct
        view = await services.broadcasts.cancel(COORDINATOR, draft.id)
        assert view.figures.withdrawn > 0
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
