"""The delivery worker through the real Application and the fake Bot API, on both databases.

Every message enqueued ends SENT, FAILED or BLOCKED; nothing confirmed is sent again; 429s are
waited out, 403s block the recipient, 5xx are retried with backoff, and a timeout earns exactly
one resend (showing the documented duplicate when the first send had in fact arrived). Retries
become due by moving the injected clock and calling ``notify()``, never by sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.clock import ManualClock
from bot.delivery import (
    MAX_ATTEMPTS,
    Blocked,
    DeliveryWorker,
    Rejected,
    Throttled,
    Transient,
    Unknown,
    backoff,
    classify,
)
from bot.i18n import t
from bot.services import Services
from bot.services.outbox import (
    MAX_RESENDS,
    RESEND_PAUSE,
    Delivery,
    OutboxRecord,
    OutboxService,
    enqueue,
)
from bot.services.profile import Step
from storage.database import Database
from storage.models import OutboxMessage, OutboxStatus, PersonStatus, Role
from tests.fake_telegram import ApiCall, Button, FakeTelegram
from tests.harness import BotHarness, running_bot, until

COORDINATOR = 900
FINAL = {OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.BLOCKED}
# Short, so that each injected timeout costs half a second of real time.
REQUEST_TIMEOUT = 0.5


@pytest.fixture
async def app(fake: FakeTelegram, db: Database, clock: ManualClock) -> AsyncIterator[BotHarness]:
    """The bot with its delivery worker, stopped at the end the way ``run_polling`` stops it."""
    coordinators = frozenset({COORDINATOR})
    async with running_bot(
        fake, db, clock=clock, coordinator_ids=coordinators, request_timeout=REQUEST_TIMEOUT
    ) as harness:
        yield harness
        await stop_worker(harness)


async def stop_worker(harness: BotHarness) -> None:
    assert harness.app.post_stop is not None
    await harness.app.post_stop(harness.app)


async def put(services: Services, chat_id: int, payload: dict[str, Any], **options: Any) -> int:
    """Enqueue one message, commit, wake the worker; returns the row id."""
    async with services.db.session() as s:
        row = enqueue(
            s,
            chat_id=chat_id,
            person_id=options.pop("person_id", None),
            kind="test",
            payload=payload,
            now=services.clock.now(),
            **options,
        )
        await s.flush()
        row_id = row.id
    services.outbox.notify()
    return row_id


async def record(services: Services, row_id: int) -> OutboxRecord:
    found = await services.outbox.get(row_id)
    assert found is not None
    return found


async def reaches(
    services: Services, row_id: int, *statuses: OutboxStatus, attempts: int | None = None
) -> OutboxRecord:
    """Wait until the row is in one of ``statuses`` (after ``attempts``, if given)."""

    async def check() -> bool:
        found = await record(services, row_id)
        return found.status in statuses and attempts in (None, found.attempts)

    await until(check)
    return await record(services, row_id)


async def later(services: Services, clock: ManualClock, delta: timedelta) -> None:
    """Move time on and wake the worker: whatever became due goes out."""
    clock.advance(delta)
    services.outbox.notify()


def sends_to(fake: FakeTelegram, chat_id: int, method: str = "sendMessage") -> list[ApiCall]:
    return [c for c in fake.calls_to(method) if c.params.get("chat_id") == chat_id]


# -- the happy path -------------------------------------------------------------------------


async def test_a_message_is_delivered_with_its_buttons(
    app: BotHarness, fake: FakeTelegram
) -> None:
    ana = fake.user(501, "Ana")
    buttons = [
        [{"text": "Answer", "callback_data": "answer:7"}],
        [{"text": "Guide", "url": "https://example.org/guide"}],
    ]
    row_id = await put(
        app.services, 501, {"text": "<b>Question</b> from Bruno", "buttons": buttons}
    )

    message = await ana.receive()

    assert message.text == "<b>Question</b> from Bruno"
    assert message.plain_text == "Question from Bruno"
    assert message.parse_mode == "HTML"
    assert message.buttons == [
        [Button("Answer", callback_data="answer:7")],
        [Button("Guide", url="https://example.org/guide")],
    ]
    sent = await reaches(app.services, row_id, OutboxStatus.SENT)
    assert (sent.telegram_message_id, sent.attempts) == (message.message_id, 1)


async def test_media_and_copies_go_out_in_order(app: BotHarness, fake: FakeTelegram) -> None:
    ana, bruno = fake.user(501, "Ana"), fake.user(502, "Bruno")
    voice_note = await ana.send_voice(duration=4)
    photo_id, _ = fake.api.register_media("photo")
    document_id, _ = fake.api.register_media("document")
    payloads: list[dict[str, Any]] = [
        {"text": "Ana sent a voice note:"},
        {
            "media": {"type": "copy", "from_chat_id": 501, "message_id": voice_note["message_id"]},
            "buttons": [[{"text": "Reply", "callback_data": "reply:1"}]],
        },
        {"text": "<i>the ward</i>", "media": {"type": "photo", "file_id": photo_id}},
        {"media": {"type": "document", "file_id": document_id, "caption": "notes"}},
        {"media": {"type": "voice", "file_id": voice_note["voice"]["file_id"]}},
    ]
    ids = [await put(app.services, 502, payload) for payload in payloads]

    received = [await bruno.receive() for _ in payloads]

    assert [m.kind for m in received] == ["text", "voice", "photo", "document", "voice"]
    assert received[1].copied_from == (501, voice_note["message_id"])
    assert received[1].button_texts == ["Reply"]
    assert (received[2].text, received[2].plain_text) == ("<i>the ward</i>", "the ward")
    assert received[3].text == "notes"
    for row_id, message in zip(ids, received, strict=True):
        sent = await reaches(app.services, row_id, OutboxStatus.SENT)
        assert sent.telegram_message_id == message.message_id


async def test_one_chat_gets_one_send_at_a_time_in_order(
    app: BotHarness, fake: FakeTelegram
) -> None:
    fake.latency = 0.03
    ana = fake.user(501, "Ana")
    others = [fake.user(600 + n, f"P{n}") for n in range(6)]
    for n in range(8):
        await put(app.services, 501, {"text": f"part {n}"})
        await put(app.services, others[n % 6].id, {"text": f"other {n}"})

    texts = [(await ana.receive()).text for _ in range(8)]

    assert texts == [f"part {n}" for n in range(8)]
    arrivals = [c.at for c in sends_to(fake, 501)]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert min(gaps) >= fake.latency  # the next send starts only after the previous answer


# -- Telegram says no -----------------------------------------------------------------------


async def test_a_429_is_waited_out_and_delivered_once(app: BotHarness, fake: FakeTelegram) -> None:
    ana = fake.user(501, "Ana")
    fake.faults.inject("429", method="sendMessage", chat_id=501, retry_after=1)

    row_id = await put(app.services, 501, {"text": "hello"})

    await ana.receive(timeout=5)
    sent = await reaches(app.services, row_id, OutboxStatus.SENT)
    assert [c.error_code for c in sends_to(fake, 501)] == [429, None]
    assert len(ana.inbox) == 1
    assert sent.attempts == 1


async def test_a_429_past_the_rate_limiter_puts_the_row_back_without_losing_it(
    fake: FakeTelegram, db: Database, clock: ManualClock
) -> None:
    # A bot without PTB's rate limiter, so the 429 reaches the worker itself (in production
    # that happens when the limiter's own retries run out).
    outbox = OutboxService(db, clock)
    ana = fake.user(501, "Ana")
    fake.faults.inject("429", chat_id=501, retry_after=7)
    async with Bot(fake.token, base_url=fake.base_url) as plain:
        worker = DeliveryWorker(plain, outbox, clock)
        worker.start()
        try:
            async with db.session() as s:
                row = enqueue(
                    s,
                    chat_id=501,
                    person_id=None,
                    kind="t",
                    payload={"text": "hi"},
                    now=clock.now(),
                )
                await s.flush()
            outbox.notify()

            async def throttled() -> bool:
                found = await outbox.get(row.id)
                return found is not None and found.last_error is not None

            await until(throttled)
            waiting = await outbox.get(row.id)
            assert waiting is not None
            assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, 0)
            assert waiting.next_attempt_at == clock.now() + timedelta(seconds=7)

            clock.advance(timedelta(seconds=7))
            outbox.notify()
            await ana.receive()

            async def sent() -> bool:
                found = await outbox.get(row.id)
                return found is not None and found.status == OutboxStatus.SENT

            await until(sent)
        finally:
            await worker.stop()
    assert len(ana.inbox) == 1


async def test_a_blocked_recipient_is_marked_and_never_retried(
    app: BotHarness, fake: FakeTelegram, clock: ManualClock
) -> None:
    people = app.services.people
    carla = fake.user(COORDINATOR, "Carla", language_code="es")
    await people.consent(COORDINATOR, language="es", invite=None)
    ana = fake.user(501, "Ana")
    person = await people.consent(501, language="en", invite=None)
    await people.choose_role(501, Role.MENTEE)
    await people.answer(501, Step.NAME, "Ana <Lima>")
    ana.block()

    first = await put(app.services, 501, {"text": "one"}, person_id=person.id)
    second = await put(app.services, 501, {"text": "two"}, person_id=person.id)

    notice = await carla.receive()
    assert notice.text == t("es", "outbox.blocked_notice", name="Ana <Lima>")
    for row_id in (first, second):
        blocked = await reaches(app.services, row_id, OutboxStatus.BLOCKED)
        assert blocked.last_error == "Forbidden: Forbidden: bot was blocked by the user"
    looked_up = await people.lookup(501)
    assert looked_up is not None and looked_up.status == PersonStatus.BLOCKED
    await later(app.services, clock, timedelta(hours=1))
    await carla.nothing_more(within=0.2)  # told once, not once per message
    assert [c.error_code for c in sends_to(fake, 501)] == [403, 403]


async def test_a_chat_that_does_not_exist_is_blocked_and_a_bad_message_failed(
    app: BotHarness, fake: FakeTelegram
) -> None:
    fake.user(501, "Ana")
    gone = await put(app.services, 777, {"text": "hello?"})
    broken = await put(app.services, 501, {"text": "<b>unclosed"})

    assert (await reaches(app.services, gone, *FINAL)).status == OutboxStatus.BLOCKED
    failed = await reaches(app.services, broken, *FINAL)
    assert failed.status == OutboxStatus.FAILED
    assert failed.last_error is not None and failed.last_error.startswith("BadRequest")
    assert len(sends_to(fake, 501)) == 1  # a permanent error is not retried


async def test_server_errors_are_retried_with_backoff_then_delivered(
    app: BotHarness, fake: FakeTelegram, clock: ManualClock
) -> None:
    ana = fake.user(501, "Ana")
    fake.faults.inject("500", chat_id=501, times=2)
    row_id = await put(app.services, 501, {"text": "hello"})

    async def attempted(n: int) -> OutboxRecord:
        await until(lambda: _settled_after(app.services, row_id, n))
        return await record(app.services, row_id)

    first = await attempted(1)
    assert first.status == OutboxStatus.PENDING
    assert first.next_attempt_at == clock.now() + timedelta(seconds=2)
    assert first.last_error == "NetworkError: Internal Server Error"
    await later(app.services, clock, timedelta(seconds=1))  # not due yet: nothing happens
    await asyncio.sleep(0.05)
    assert len(sends_to(fake, 501)) == 1

    await later(app.services, clock, timedelta(seconds=1))
    second = await attempted(2)
    assert second.next_attempt_at == clock.now() + timedelta(seconds=4)

    await later(app.services, clock, timedelta(seconds=4))
    message = await ana.receive()
    sent = await reaches(app.services, row_id, OutboxStatus.SENT)
    assert (sent.attempts, sent.telegram_message_id) == (3, message.message_id)
    assert len(ana.inbox) == 1


async def _settled_after(services: Services, row_id: int, attempts: int) -> bool:
    found = await record(services, row_id)
    return found.attempts == attempts and found.status != OutboxStatus.SENDING


# -- timeouts: the outcome is unknown --------------------------------------------------------


async def test_a_lost_answer_is_resent_once_and_the_duplicate_shows(
    app: BotHarness, fake: FakeTelegram, clock: ManualClock
) -> None:
    ana = fake.user(501, "Ana")
    fake.faults.inject("timeout_applied", chat_id=501)
    row_id = await put(app.services, 501, {"text": "Your mentor answered"})

    await ana.receive()  # it arrived; the bot never heard back
    uncertain = await reaches(app.services, row_id, OutboxStatus.UNCERTAIN)
    assert uncertain.sent_at == clock.now()
    assert uncertain.next_attempt_at == clock.now() + RESEND_PAUSE
    assert uncertain.last_error is not None and uncertain.last_error.startswith("TimedOut")

    await later(app.services, clock, RESEND_PAUSE)
    resent = await ana.receive()
    sent = await reaches(app.services, row_id, OutboxStatus.SENT)
    assert (sent.attempts, sent.telegram_message_id) == (2, resent.message_id)
    # The documented price of never losing a message: this one arrived twice.
    assert [m.text for m in ana.inbox] == ["Your mentor answered"] * 2
    await later(app.services, clock, timedelta(hours=1))
    await ana.nothing_more(within=0.2)


async def test_a_timeout_that_did_not_arrive_is_delivered_once_by_the_resend(
    app: BotHarness, fake: FakeTelegram, clock: ManualClock
) -> None:
    ana = fake.user(501, "Ana")
    fake.faults.inject("timeout", chat_id=501)
    row_id = await put(app.services, 501, {"text": "Check-in time"})

    await reaches(app.services, row_id, OutboxStatus.UNCERTAIN)
    assert ana.inbox == []
    await later(app.services, clock, RESEND_PAUSE)

    await ana.receive()
    await reaches(app.services, row_id, OutboxStatus.SENT)
    assert len(ana.inbox) == 1


async def test_timeouts_past_the_last_resend_fail_the_message_for_good(
    app: BotHarness, fake: FakeTelegram, clock: ManualClock
) -> None:
    ana = fake.user(501, "Ana")
    fake.faults.inject("timeout", chat_id=501, times=MAX_RESENDS + 1)
    row_id = await put(app.services, 501, {"text": "Check-in time"})

    for resend in range(MAX_RESENDS):
        await reaches(app.services, row_id, OutboxStatus.UNCERTAIN, attempts=resend + 1)
        await later(app.services, clock, RESEND_PAUSE * 4**resend)

    failed = await reaches(app.services, row_id, OutboxStatus.FAILED)
    assert failed.attempts == MAX_RESENDS + 1
    await later(app.services, clock, timedelta(days=1))
    await asyncio.sleep(0.1)
    assert len(sends_to(fake, 501)) == MAX_RESENDS + 1
    assert ana.inbox == []


async def test_a_resend_that_gets_through_delivers_once(
    app: BotHarness, fake: FakeTelegram, clock: ManualClock
) -> None:
    ana = fake.user(501, "Ana")
    fake.faults.inject("timeout", chat_id=501, times=2)
    row_id = await put(app.services, 501, {"text": "Check-in time"})

    await reaches(app.services, row_id, OutboxStatus.UNCERTAIN, attempts=1)
    await later(app.services, clock, RESEND_PAUSE)
    await reaches(app.services, row_id, OutboxStatus.UNCERTAIN, attempts=2)
    await later(app.services, clock, 4 * RESEND_PAUSE)
    sent = await reaches(app.services, row_id, OutboxStatus.SENT)
    assert sent.attempts == 3
    assert [m.text for m in ana.inbox] == ["Check-in time"]


# -- many messages, random faults ------------------------------------------------------------


async def test_random_faults_lose_nothing_and_never_repeat_a_confirmed_send(
    app: BotHarness, fake: FakeTelegram, clock: ManualClock
) -> None:
    users = [fake.user(1000 + n, f"U{n}") for n in range(20)]
    fake.faults.random(0.1, errors=("429", "500", "timeout"), seed=7, retry_after=1)
    texts: dict[int, str] = {}
    # 100 messages: each 429 pauses every send for a real second in PTB's rate limiter.
    for n in range(100):
        text = f"message #{n}"
        texts[await put(app.services, users[n % 20].id, {"text": text})] = text
    outbox = app.services.outbox

    async def idle() -> bool:
        stats = await outbox.stats()
        return stats[OutboxStatus.SENDING] == 0 and not await outbox.has_due()

    for _round in range(20):
        await until(idle, within=15)
        stats = await outbox.stats()
        if sum(stats[s] for s in FINAL) == len(texts):
            break
        await later(app.services, clock, timedelta(minutes=10))
    stats = await outbox.stats()
    assert sum(stats[s] for s in FINAL) == len(texts), stats
    assert stats[OutboxStatus.BLOCKED] == 0

    async with app.services.db.read() as s:
        rows = (await s.scalars(select(OutboxMessage))).all()
    delivered = Counter(m.text for user in users for m in user.inbox)
    for row in rows:
        text = texts[row.id]
        calls = [c for c in fake.calls_to("sendMessage") if c.params.get("text") == text]
        confirmed = [c for c in calls if c.ok]
        if row.status == OutboxStatus.SENT:
            # Exactly one 2xx, the last attempt: nothing was sent after a confirmation.
            assert len(confirmed) == 1 and calls[-1] is confirmed[0], row.id
            assert confirmed[0].result["message_id"] == row.telegram_message_id
            assert delivered[text] == 1  # random timeouts drop the request: no duplicates
        else:
            assert row.status == OutboxStatus.FAILED, row.id
            assert confirmed == [] and delivered[text] == 0
            assert row.last_error is not None
            assert row.last_error.startswith("outcome unknown after"), row.id
    assert sum(delivered.values()) == stats[OutboxStatus.SENT]
    assert {f for _m, f, _c in fake.faults.injected} == {"429", "500", "timeout"}


# -- crashes and shutdowns -------------------------------------------------------------------


async def test_rows_left_sending_by_a_crash_are_resent_once_after_restart(
    fake: FakeTelegram, db: Database, clock: ManualClock
) -> None:
    users = [fake.user(501 + n, f"U{n}") for n in range(4)]
    outbox = OutboxService(db, clock)
    ids = []
    async with db.session() as s:
        for user in users:
            row = enqueue(
                s,
                chat_id=user.id,
                person_id=None,
                kind="t",
                payload={"text": f"to {user.id}"},
                now=clock.now(),
            )
            await s.flush()
            ids.append(row.id)
    # The previous process claimed the first three, sent the first, and was killed before it
    # could record anything; the fourth had been put back after a timeout and was on its
    # first resend when the process died (so it is owed a second one, later).
    await outbox.claim_due(4)
    await outbox.mark_uncertain(ids[3], "TimedOut")
    clock.advance(RESEND_PAUSE)
    await outbox.claim_due(4)
    async with Bot(fake.token, base_url=fake.base_url) as previous_process:
        await previous_process.send_message(users[0].id, "to 501")

    async with running_bot(fake, db, clock=clock, request_timeout=REQUEST_TIMEOUT) as harness:
        stats = await outbox.stats()
        assert (stats[OutboxStatus.UNCERTAIN], stats[OutboxStatus.FAILED]) == (4, 0)
        assert stats[OutboxStatus.SENDING] == 0
        await later(harness.services, clock, RESEND_PAUSE)
        for row_id in ids[:3]:
            await reaches(harness.services, row_id, OutboxStatus.SENT)
        await later(harness.services, clock, 3 * RESEND_PAUSE)
        await reaches(harness.services, ids[3], OutboxStatus.SENT)
        await stop_worker(harness)

    assert [len(user.inbox) for user in users] == [2, 1, 1, 1]  # the duplicate, documented
    assert [len(sends_to(fake, user.id)) for user in users] == [2, 1, 1, 1]


async def test_a_clean_shutdown_finishes_sends_in_flight_and_gives_back_the_rest(
    app: BotHarness, fake: FakeTelegram
) -> None:
    fake.latency = 0.1
    ana, bruno = fake.user(501, "Ana"), fake.user(502, "Bruno")
    ids = [await put(app.services, 501, {"text": f"a{n}"}) for n in range(5)]
    ids.append(await put(app.services, 502, {"text": "b"}))
    await until(lambda: _arrived(fake))

    await stop_worker(app)

    stats = await app.services.outbox.stats()
    assert stats[OutboxStatus.SENDING] == 0
    records = [await record(app.services, row_id) for row_id in ids]
    sent = [r for r in records if r.status == OutboxStatus.SENT]
    given_back = [r for r in records if r.status == OutboxStatus.PENDING]
    assert len(sent) + len(given_back) == len(ids)
    assert 2 <= len(sent) < len(ids)  # the two sends in flight finished; ana's next did not
    assert all(r.attempts == 0 for r in given_back)  # giving back is not an attempt
    assert len(ana.inbox) + len(bruno.inbox) == len(sent)


async def _arrived(fake: FakeTelegram) -> bool:
    return len(fake.calls_to("sendMessage")) >= 2


async def test_a_send_cut_off_by_a_hurried_stop_is_recorded_as_uncertain(
    fake: FakeTelegram, db: Database, clock: ManualClock
) -> None:
    outbox = OutboxService(db, clock)
    fake.user(501, "Ana")
    fake.faults.inject("timeout", chat_id=501)  # the server holds the request
    async with db.session() as s:
        row = enqueue(
            s, chat_id=501, person_id=None, kind="t", payload={"text": "x"}, now=clock.now()
        )
        await s.flush()
    async with Bot(fake.token, base_url=fake.base_url) as plain:
        worker = DeliveryWorker(plain, outbox, clock, grace=0.05)
        worker.start()
        await until(lambda: _arrived_once(fake))
        await worker.stop()
    found = await outbox.get(row.id)
    assert found is not None
    assert found.status == OutboxStatus.UNCERTAIN
    assert found.last_error == "cancelled mid-send"


async def _arrived_once(fake: FakeTelegram) -> bool:
    return len(fake.calls_to("sendMessage")) == 1


# -- the policy itself -------------------------------------------------------------------------


def test_backoff_doubles_from_two_seconds_up_to_ten_minutes() -> None:
    waits = [backoff(n).total_seconds() for n in range(1, 13)]
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600]
    assert backoff(10_000) == timedelta(minutes=10)
    # MAX_ATTEMPTS attempts spread over about a day.
    total = sum((backoff(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(hours=22) < total < timedelta(hours=26)


def test_errors_are_classified_by_what_they_mean_for_the_message() -> None:
    lost = TimedOut()
    lost.__cause__ = httpx.ReadTimeout("read")
    never_left = TimedOut("Pool timeout")
    never_left.__cause__ = httpx.PoolTimeout("pool")
    dropped = NetworkError("httpx.RemoteProtocolError: Server disconnected")
    dropped.__cause__ = httpx.RemoteProtocolError("Server disconnected")
    refused = NetworkError("httpx.ConnectError: refused")
    refused.__cause__ = httpx.ConnectError("refused")

    assert classify(RetryAfter(3)) == Throttled(timedelta(seconds=3))
    assert isinstance(classify(Forbidden("bot was blocked by the user")), Blocked)
    assert isinstance(classify(BadRequest("Chat not found")), Blocked)
    assert isinstance(classify(BadRequest("User is deactivated")), Blocked)
    assert isinstance(classify(BadRequest("Message is too long")), Rejected)
    assert isinstance(classify(lost), Unknown)
    assert isinstance(classify(dropped), Unknown)
    assert isinstance(classify(never_left), Transient)
    assert isinstance(classify(refused), Transient)
    assert isinstance(classify(NetworkError("Bad Gateway")), Transient)


# -- claiming: no read when told, no claim when nothing can be waiting -------------------------

# Longer than any test here waits: a row that goes out did so without the periodic poll.
NO_POLL = 60.0
_serial = itertools.count(1)


class WatchedOutbox(OutboxService):
    """The outbox, counting the worker's reads and claims, with hooks that run mid-claim."""

    def __init__(self, db: Database, clock: ManualClock) -> None:
        super().__init__(db, clock)
        self.probes = 0
        self.claims: list[list[int]] = []
        self.mid_claim: list[Callable[[], Awaitable[object]]] = []

    async def has_due(self) -> bool:
        found = await super().has_due()
        self.probes += 1
        return found

    async def looked(self) -> bool:
        """Whether the worker's first look (for what became due while it was down) is done."""
        return self.probes > 0

    async def claim_due(
        self, limit: int, *, exclude_chats: Collection[int] = ()
    ) -> list[Delivery]:
        claimed = await super().claim_due(limit, exclude_chats=exclude_chats)
        if self.mid_claim:
            # The claim's transaction is over, the worker has not seen its rows yet.
            await self.mid_claim.pop(0)()
        self.claims.append([d.id for d in claimed])
        return claimed


@contextlib.asynccontextmanager
async def lone_worker(
    fake: FakeTelegram, outbox: OutboxService, clock: ManualClock, **options: Any
) -> AsyncIterator[DeliveryWorker]:
    """A worker without PTB's rate limiter whose poll never comes during a test."""
    async with Bot(fake.token, base_url=fake.base_url) as plain:
        worker = DeliveryWorker(plain, outbox, clock, poll_interval=NO_POLL, **options)
        worker.start()
        try:
            yield worker
        finally:
            await worker.stop()


async def enqueue_to(
    outbox: OutboxService, db: Database, clock: ManualClock, *chats: int, **options: Any
) -> list[int]:
    """One message to each chat in one transaction, then ``notify()``; returns the row ids.

    The texts are ``#1``, ``#2``… in enqueue order, across calls.
    """
    async with db.session() as s:
        rows = [
            enqueue(
                s,
                chat_id=chat,
                person_id=None,
                kind="t",
                payload={"text": f"#{next(_serial)}"},
                now=clock.now(),
                **options,
            )
            for chat in chats
        ]
        await s.flush()
        ids = [row.id for row in rows]
    outbox.notify()
    return ids


async def all_sent(outbox: OutboxService, ids: Collection[int]) -> bool:
    records = [await outbox.get(row_id) for row_id in ids]
    return all(r is not None and r.status == OutboxStatus.SENT for r in records)


async def test_a_notified_message_costs_one_claim_and_no_read(
    fake: FakeTelegram, db: Database, clock: ManualClock
) -> None:
    outbox = WatchedOutbox(db, clock)
    ana = fake.user(501, "Ana")
    async with lone_worker(fake, outbox, clock):
        await until(outbox.looked)
        ids = await enqueue_to(outbox, db, clock, 501)
        await ana.receive()
        await until(lambda: all_sent(outbox, ids))
        await asyncio.sleep(0.2)  # room for any needless read or claim after the send

        assert outbox.claims == [ids]
        assert outbox.probes == 1


async def test_rows_that_become_due_while_a_claim_runs_go_out_without_waiting_for_the_poll(
    fake: FakeTelegram, db: Database, clock: ManualClock
) -> None:
    outbox = WatchedOutbox(db, clock)
    ana, bruno, carla = fake.user(501, "Ana"), fake.user(502, "Bruno"), fake.user(503, "Carla")
    (scheduled,) = await enqueue_to(
        outbox, db, clock, 503, not_before=clock.now() + timedelta(minutes=1)
    )
    added: list[int] = []

    async def meanwhile() -> None:
        # While the first claim runs: a new row for another chat, and a scheduled row's time.
        added.extend(await enqueue_to(outbox, db, clock, 502))
        clock.advance(timedelta(minutes=1))
        outbox.notify()

    outbox.mid_claim.append(meanwhile)
    async with lone_worker(fake, outbox, clock):
        first = await enqueue_to(outbox, db, clock, 501)
        for user in (ana, bruno, carla):
            await user.receive()
        await until(lambda: all_sent(outbox, [*first, *added, scheduled]))

    assert outbox.claims[0] == first  # the rows that came meanwhile were not in it


async def test_a_busy_chats_next_message_goes_out_as_soon_as_its_send_finishes(
    fake: FakeTelegram, db: Database, clock: ManualClock
) -> None:
    fake.latency = 0.2
    outbox = WatchedOutbox(db, clock)
    ana = fake.user(501, "Ana")
    async with lone_worker(fake, outbox, clock):
        await until(outbox.looked)
        first = await enqueue_to(outbox, db, clock, 501)
        await until(lambda: _arrived_once(fake))  # its send is in flight
        second = await enqueue_to(outbox, db, clock, 501)

        texts = [(await ana.receive()).text for _ in range(2)]
        await until(lambda: all_sent(outbox, [*first, *second]))

    assert [c.params["text"] for c in sends_to(fake, 501)] == texts
    assert texts == sorted(texts, key=lambda text: int(text[1:]))  # in the order enqueued
    # The notify's claim left the busy chat out; the send's end claimed its row.
    assert outbox.claims == [first, [], second]


async def test_rows_beyond_a_full_batch_go_out_as_room_frees(
    fake: FakeTelegram, db: Database, clock: ManualClock
) -> None:
    fake.latency = 0.05
    outbox = WatchedOutbox(db, clock)
    users = [fake.user(601 + n, f"U{n}") for n in range(7)]
    async with lone_worker(fake, outbox, clock, batch=2):
        ids = await enqueue_to(outbox, db, clock, *(u.id for u in users))
        for user in users:
            await user.receive()
        await until(lambda: all_sent(outbox, ids))

    claimed = [row_id for claim in outbox.claims for row_id in claim]
    assert sorted(claimed) == ids
    assert max(len(claim) for claim in outbox.claims) == 2
