"""The outbox service on both databases: enqueueing in the caller's transaction, claiming due
rows in order (and never twice, even concurrently), the retry, timeout and crash bookkeeping,
deduplication, and what happens when a recipient turns out to be unreachable."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from bot.clock import ManualClock
from bot.i18n import t
from bot.services.outbox import (
    MAX_RESENDS,
    PRIORITY_BULK,
    PRIORITY_NOTICE,
    RESEND_PAUSE,
    InvalidPayload,
    OutboxService,
    enqueue,
    enqueue_once,
    validate_payload,
)
from bot.services.people import PeopleService
from bot.services.profile import Step
from storage.database import Database
from storage.models import OutboxMessage, OutboxStatus, PersonStatus, Role


@pytest.fixture
def outbox(db: Database, clock: ManualClock) -> OutboxService:
    return OutboxService(db, clock)


async def put(
    db: Database, clock: ManualClock, chat_id: int = 1, text: str = "hi", **options: Any
) -> int:
    """Enqueue one text message in a transaction of its own and return its id."""
    async with db.session() as s:
        row = enqueue(
            s,
            chat_id=chat_id,
            person_id=options.pop("person_id", None),
            kind="test",
            payload={"text": text},
            now=clock.now(),
            **options,
        )
        await s.flush()
        return row.id


async def count(db: Database) -> int:
    async with db.read() as s:
        return len((await s.scalars(select(OutboxMessage.id))).all())


async def test_a_rolled_back_transaction_leaves_no_message(
    db: Database, clock: ManualClock
) -> None:
    class ChangeFailed(Exception):
        pass

    async def change_that_fails() -> None:
        async with db.session() as s:
            enqueue(s, chat_id=1, person_id=None, kind="t", payload={"text": "x"}, now=clock.now())
            await s.flush()
            raise ChangeFailed

    with pytest.raises(ChangeFailed):
        await change_that_fails()
    assert await count(db) == 0


async def test_claims_the_most_urgent_first_then_the_oldest(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    bulk = await put(db, clock, 1, priority=PRIORITY_BULK)
    notice = await put(db, clock, 2, priority=PRIORITY_NOTICE)
    first = await put(db, clock, 3)
    second = await put(db, clock, 4)
    early = await put(db, clock, 5, not_before=clock.now() - timedelta(minutes=1))

    claimed = await outbox.claim_due(10)

    assert [d.id for d in claimed] == [early, first, second, notice, bulk]
    assert [d.priority for d in claimed] == [0, 0, 0, PRIORITY_NOTICE, PRIORITY_BULK]


async def test_a_claim_marks_sending_and_counts_the_attempt(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    row_id = await put(db, clock, 7, "<b>hola</b>")

    (delivery,) = await outbox.claim_due(5)

    assert (delivery.id, delivery.chat_id, delivery.kind) == (row_id, 7, "test")
    assert delivery.payload == {"text": "<b>hola</b>"}
    assert (delivery.attempts, delivery.resend) == (1, False)
    record = await outbox.get(row_id)
    assert record is not None
    assert (record.status, record.attempts) == (OutboxStatus.SENDING, 1)
    assert await outbox.claim_due(5) == []  # a claimed row is nobody else's
    assert not await outbox.has_due()


async def test_rows_not_yet_due_and_busy_chats_wait(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    later = await put(db, clock, 1, not_before=clock.now() + timedelta(minutes=5))
    busy = await put(db, clock, 2)
    assert await outbox.claim_due(5, exclude_chats={2}) == []
    assert [d.id for d in await outbox.claim_due(5)] == [busy]
    clock.advance(timedelta(minutes=5))
    assert [d.id for d in await outbox.claim_due(5)] == [later]


async def test_concurrent_claimers_never_get_the_same_row(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    ids = {await put(db, clock, chat) for chat in range(40)}
    other = OutboxService(db, clock)

    batches = await asyncio.gather(*(svc.claim_due(7) for svc in [outbox, other] * 4))

    claimed = [d.id for batch in batches for d in batch]
    assert len(claimed) == len(set(claimed)) == 40
    assert set(claimed) == ids


async def test_postgresql_skips_rows_another_claimer_holds(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    if not db.is_postgres:
        pytest.skip("SQLite has a single writer: a held claim blocks, it cannot be skipped")
    held, free = await put(db, clock, 1), await put(db, clock, 2)
    async with db.session() as s:
        # Another worker, mid-claim: it has locked the first row and not committed yet.
        await s.execute(select(OutboxMessage).where(OutboxMessage.id == held).with_for_update())
        claimed = await asyncio.wait_for(outbox.claim_due(5), timeout=5)
    assert [d.id for d in claimed] == [free]


async def test_a_retry_waits_its_backoff_on_the_injected_clock(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    row_id = await put(db, clock)
    (delivery,) = await outbox.claim_due(1)

    await outbox.mark_retry(delivery.id, timedelta(seconds=4), "NetworkError: Bad Gateway")

    record = await outbox.get(row_id)
    assert record is not None
    assert record.status == OutboxStatus.PENDING
    assert record.next_attempt_at == clock.now() + timedelta(seconds=4)
    assert record.last_error == "NetworkError: Bad Gateway"
    clock.advance(timedelta(seconds=3))
    assert not await outbox.has_due()
    assert await outbox.claim_due(1) == []
    clock.advance(timedelta(seconds=1))
    assert await outbox.has_due()
    (again,) = await outbox.claim_due(1)
    assert again.attempts == 2


async def test_flood_control_waits_without_counting_an_attempt(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    row_id = await put(db, clock)
    await outbox.claim_due(1)

    await outbox.mark_throttled(row_id, timedelta(seconds=9))

    record = await outbox.get(row_id)
    assert record is not None
    assert (record.status, record.attempts) == (OutboxStatus.PENDING, 0)
    assert record.next_attempt_at == clock.now() + timedelta(seconds=9)


async def test_each_unknown_outcome_earns_a_resend_up_to_the_limit(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    row_id = await put(db, clock)
    await outbox.claim_due(1)

    assert await outbox.mark_uncertain(row_id, "TimedOut: Timed out") == OutboxStatus.UNCERTAIN
    record = await outbox.get(row_id)
    assert record is not None
    assert record.sent_at == clock.now()  # when it may have arrived
    assert record.next_attempt_at == clock.now() + RESEND_PAUSE

    clock.advance(RESEND_PAUSE)
    (resend,) = await outbox.claim_due(1)
    assert (resend.resend, resend.attempts) == (True, 2)
    # A 5xx on the resend: still owed its resend, still flagged as possibly delivered.
    await outbox.mark_retry(row_id, timedelta(seconds=2), "NetworkError: 502")
    record = await outbox.get(row_id)
    assert record is not None and record.status == OutboxStatus.UNCERTAIN

    clock.advance(timedelta(seconds=2))
    for unknown in range(2, MAX_RESENDS + 1):
        (resend,) = await outbox.claim_due(1)
        assert resend.resend
        assert await outbox.mark_uncertain(row_id, "TimedOut") == OutboxStatus.UNCERTAIN
        pause = RESEND_PAUSE * 4 ** (unknown - 1)  # 2 min, then 8 min
        record = await outbox.get(row_id)
        assert record is not None and record.next_attempt_at == clock.now() + pause
        clock.advance(pause - timedelta(seconds=1))
        assert await outbox.claim_due(1) == []  # not before its pause
        clock.advance(timedelta(seconds=1))
    (resend,) = await outbox.claim_due(1)
    assert await outbox.mark_uncertain(row_id, "TimedOut: Timed out") == OutboxStatus.FAILED
    record = await outbox.get(row_id)
    assert record is not None and record.last_error is not None
    assert record.last_error.startswith(f"outcome unknown after {MAX_RESENDS} resends")
    clock.advance(timedelta(days=1))
    assert await outbox.claim_due(1) == []


async def test_recover_after_crash_treats_sending_rows_like_a_timeout(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    first, second, resent = [await put(db, clock, chat) for chat in (1, 2, 3)]
    await outbox.claim_due(3)
    await outbox.mark_uncertain(resent, "TimedOut")
    clock.advance(RESEND_PAUSE)
    (resend,) = await outbox.claim_due(1)
    assert resend.id == resent
    waiting = await put(db, clock, 4)
    # The process dies now: three rows are SENDING, one of them on its first resend.

    assert await outbox.recover_after_crash() == 3

    statuses = {}
    for row_id in (first, second, resent, waiting):
        record = await outbox.get(row_id)
        assert record is not None
        statuses[row_id] = record.status
    assert statuses == {
        first: OutboxStatus.UNCERTAIN,
        second: OutboxStatus.UNCERTAIN,
        resent: OutboxStatus.UNCERTAIN,  # a second unknown outcome: a second resend, later
        waiting: OutboxStatus.PENDING,
    }
    assert [d.id for d in await outbox.claim_due(5)] == [waiting]
    clock.advance(RESEND_PAUSE)
    resends = await outbox.claim_due(5)
    assert [(d.id, d.resend) for d in resends] == [(first, True), (second, True)]
    clock.advance(3 * RESEND_PAUSE)
    assert [(d.id, d.resend) for d in await outbox.claim_due(5)] == [(resent, True)]
    assert await outbox.recover_after_crash() == 4  # nothing ever stays SENDING for good


async def test_a_dedupe_key_is_used_once(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    await put(db, clock, 1, dedupe_key="pair_intro:1:2")

    with pytest.raises(IntegrityError):
        await put(db, clock, 1, dedupe_key="pair_intro:1:2")
    assert await count(db) == 1

    async with db.session() as s:
        kwargs: dict[str, Any] = {"chat_id": 1, "person_id": None, "kind": "t"}
        repeated = await enqueue_once(
            s, dedupe_key="pair_intro:1:2", payload={"text": "x"}, now=clock.now(), **kwargs
        )
        fresh = await enqueue_once(
            s, dedupe_key="reminder:9", payload={"text": "y"}, now=clock.now(), **kwargs
        )
        enqueue(s, payload={"text": "z"}, now=clock.now(), **kwargs)  # same transaction lives
    assert (repeated, fresh) == (False, True)
    assert await count(db) == 3


async def test_release_gives_back_unsent_claims(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    plain, owed = await put(db, clock, 1), await put(db, clock, 2)
    await outbox.claim_due(2)
    await outbox.mark_uncertain(owed, "TimedOut")
    clock.advance(RESEND_PAUSE)
    await outbox.claim_due(2)  # `plain` was retried already; `owed` is on its resend

    await outbox.release([plain, owed])

    records = [await outbox.get(row_id) for row_id in (plain, owed)]
    assert [(r.status, r.attempts) for r in records if r] == [
        (OutboxStatus.PENDING, 0),
        (OutboxStatus.UNCERTAIN, 1),
    ]


async def test_recording_twice_does_not_overwrite_an_outcome(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    row_id = await put(db, clock)
    await outbox.claim_due(1)
    await outbox.mark_sent(row_id, 42)
    await outbox.mark_failed(row_id, "late")
    record = await outbox.get(row_id)
    assert record is not None
    assert (record.status, record.telegram_message_id, record.sent_at) == (
        OutboxStatus.SENT,
        42,
        clock.now(),
    )


async def test_stats_count_every_status(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    sent, failed, _pending = [await put(db, clock, chat) for chat in (1, 2, 3)]
    await outbox.claim_due(2)
    await outbox.mark_sent(sent, 1)
    await outbox.mark_failed(failed, "BadRequest: message is too long")

    stats = await outbox.stats()

    assert stats[OutboxStatus.SENT] == stats[OutboxStatus.FAILED] == 1
    assert stats[OutboxStatus.PENDING] == 1
    assert set(stats) == set(OutboxStatus)
    assert sum(stats.values()) == 3


async def test_an_unreachable_recipient_is_blocked_and_coordinators_hear_once_a_day(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    people = PeopleService(db, clock, coordinator_ids=frozenset({900, 901}))
    await people.ensure_default_programme("P")
    await people.consent(900, language="es", invite=None)
    await people.consent(901, language="en", invite=None)
    await people.set_paused(901, True)  # paused coordinators still hear operational news
    ana = await people.consent(501, language="en", invite=None)
    await people.choose_role(501, Role.MENTEE)
    await people.answer(501, Step.NAME, "Ana <Lima>")
    await people.consent(502, language="en", invite=None)  # in no programme: told nobody

    first = await put(db, clock, 501, person_id=ana.id)
    second = await put(db, clock, 501, person_id=ana.id)
    await outbox.claim_due(2)
    await outbox.mark_blocked(first, "Forbidden: bot was blocked by the user")
    await outbox.mark_blocked(second, "Forbidden: bot was blocked by the user")

    person = await people.lookup(501)
    assert person is not None and person.status == PersonStatus.BLOCKED
    async with db.read() as s:
        notices = (
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "blocked_notice")
                .order_by(OutboxMessage.chat_id)
            )
        ).all()
    assert [(n.chat_id, n.priority) for n in notices] == [(900, 5), (901, 5)]
    assert notices[0].person_id is not None and notices[0].person_id != ana.id
    assert notices[0].payload == {"text": t("es", "outbox.blocked_notice", name="Ana <Lima>")}
    assert "Ana &lt;Lima&gt;" in notices[1].payload["text"]

    # A day later, still blocked: the coordinators are reminded once more.
    clock.advance(timedelta(days=1))
    third = await put(db, clock, 501, person_id=ana.id)
    await outbox.claim_due(10)
    await outbox.mark_blocked(third, "Forbidden: bot was blocked by the user")
    async with db.read() as s:
        kinds = (await s.scalars(select(OutboxMessage.kind))).all()
    assert kinds.count("blocked_notice") == 4


async def test_an_unnamed_blocked_person_is_described_by_number(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    people = PeopleService(db, clock, coordinator_ids=frozenset({900}))
    await people.ensure_default_programme("P")
    await people.consent(900, language="en", invite=None)
    bruno = await people.consent(502, language="en", invite=None)
    await people.choose_role(502, Role.MENTOR)
    row_id = await put(db, clock, 502, person_id=bruno.id)
    await outbox.claim_due(1)

    await outbox.mark_blocked(row_id, "BadRequest: chat not found")

    async with db.read() as s:
        notice = await s.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "blocked_notice")
        )
    assert notice is not None
    name = t("en", "outbox.someone", id=bruno.id)
    assert notice.payload["text"] == t("en", "outbox.blocked_notice", name=name)


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "hi", "buttons": [[{"text": "Open", "url": "https://example.org"}]]},
        {
            "text": "hi",
            "buttons": [
                [{"text": "Yes", "callback_data": "y"}],
                [{"text": "No", "callback_data": "n"}],
            ],
        },
        {"media": {"type": "photo", "file_id": "AgAC1"}},
        {"text": "caption", "media": {"type": "voice", "file_id": "AwAC1"}},
        {"media": {"type": "document", "file_id": "BQAC1", "caption": "<i>notes</i>"}},
        {"media": {"type": "copy", "from_chat_id": 5, "message_id": 9}},
    ],
)
def test_payloads_that_describe_one_message(payload: dict[str, Any]) -> None:
    validate_payload(payload)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"text": ""},
        {"text": "hi", "html": True},
        {"text": "hi", "buttons": []},
        {"text": "hi", "buttons": [[{"text": "x"}]]},
        {"text": "hi", "buttons": [[{"text": "x", "callback_data": "a", "url": "b"}]]},
        {"text": "hi", "buttons": [[{"text": "x", "callback_data": "é" * 33}]]},
        {"media": {"type": "sticker", "file_id": "x"}},
        {"media": {"type": "photo"}},
        {"media": {"type": "copy", "from_chat_id": "5", "message_id": 9}},
        {"media": {"type": "photo", "file_id": "x", "caption": 3}},
    ],
)
def test_payloads_that_cannot_be_sent_are_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidPayload):
        validate_payload(payload)


async def test_enqueue_refuses_a_bad_payload_before_touching_the_session(
    db: Database, clock: ManualClock
) -> None:
    async with db.session() as s:
        with pytest.raises(InvalidPayload):
            enqueue(s, chat_id=1, person_id=None, kind="t", payload={"txt": "x"}, now=clock.now())
        assert not s.new


# -- the worker's statements: one each, guarded ----------------------------------------------


async def test_a_claim_takes_the_most_urgent_rows_in_order_whatever_order_they_were_written(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    # Written in an order unlike the claim order, so that neither the table's nor RETURNING's
    # order (which SQL leaves unspecified) can pass for it.
    shuffled = random.Random(3)
    rows = []  # (priority, due, id, chat)
    for n in range(30):
        priority = shuffled.choice([0, PRIORITY_NOTICE, PRIORITY_BULK])
        due = clock.now() - timedelta(seconds=shuffled.randrange(4))
        chat = 100 + n % 7
        rows.append(
            (priority, due, await put(db, clock, chat, priority=priority, not_before=due), chat)
        )
    rows.sort()

    first = await outbox.claim_due(10)
    rest = await outbox.claim_due(50, exclude_chats={100, 101})

    assert [(d.priority, d.due_at, d.id, d.chat_id) for d in first] == rows[:10]
    assert [(d.priority, d.due_at, d.id, d.chat_id) for d in rest] == [
        row for row in rows[10:] if row[3] not in {100, 101}
    ]


async def test_the_resend_flag_says_whether_the_row_waited_as_uncertain(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    throttled, retried, released, plain = [await put(db, clock, chat) for chat in (1, 2, 3, 4)]
    await outbox.claim_due(4)
    for row_id in (throttled, retried, released):
        await outbox.mark_uncertain(row_id, "TimedOut")
    await outbox.mark_retry(plain, timedelta(0), "NetworkError: 502")
    clock.advance(RESEND_PAUSE)
    assert len(await outbox.claim_due(4)) == 4  # the three resends and the plain retry

    # Put back three ways while on their resend: each still waits as UNCERTAIN.
    await outbox.mark_throttled(throttled, timedelta(0))
    await outbox.mark_retry(retried, timedelta(0), "NetworkError: 502")
    await outbox.release([released])
    await outbox.release([plain])

    claimed = await outbox.claim_due(4)
    assert {d.id: d.resend for d in claimed} == {
        throttled: True,
        retried: True,
        released: True,
        plain: False,
    }
    assert {d.id: d.attempts for d in claimed} == {throttled: 2, retried: 3, released: 2, plain: 2}
    for row_id in (throttled, retried, released):
        record = await outbox.get(row_id)
        assert record is not None and record.sent_at is not None


async def test_confirmations_never_overwrite_a_row_a_recovery_pass_settled(
    db: Database, clock: ManualClock, outbox: OutboxService, caplog: pytest.LogCaptureFixture
) -> None:
    recovered = await put(db, clock, 1)
    await outbox.claim_due(1)
    assert await outbox.recover_after_crash() == 1  # UNCERTAIN now: owed its resend
    sending = await put(db, clock, 2)
    (claimed,) = await outbox.claim_due(5)
    assert claimed.id == sending

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.services.outbox"):
        await outbox.mark_sent_many([(recovered, 41), (sending, 42), (999_999, 43)])

    settled = await outbox.get(recovered)
    assert settled is not None
    assert (settled.status, settled.telegram_message_id) == (OutboxStatus.UNCERTAIN, None)
    confirmed = await outbox.get(sending)
    assert confirmed is not None
    assert (confirmed.status, confirmed.telegram_message_id) == (OutboxStatus.SENT, 42)
    assert confirmed.sent_at == clock.now()
    assert sorted(r.getMessage() for r in caplog.records) == [
        f"outbox_not_sending id={recovered} status=uncertain",
        "outbox_not_sending id=999999 status=None",
    ]


async def test_a_batch_of_confirmations_records_each_message_id(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    ids = [await put(db, clock, chat) for chat in range(5)]
    await outbox.claim_due(5)

    await outbox.mark_sent_many([(row_id, 1000 + row_id) for row_id in reversed(ids)])

    records = [await outbox.get(row_id) for row_id in ids]
    assert [(r.status, r.telegram_message_id) for r in records if r] == [
        (OutboxStatus.SENT, 1000 + row_id) for row_id in ids
    ]
    await outbox.mark_sent_many([])  # nothing to record: no transaction, no error


async def test_outcomes_for_a_row_no_longer_sending_change_nothing(
    db: Database, clock: ManualClock, outbox: OutboxService, caplog: pytest.LogCaptureFixture
) -> None:
    row_id = await put(db, clock)
    await outbox.claim_due(1)
    await outbox.recover_after_crash()
    before = await outbox.get(row_id)

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.services.outbox"):
        await outbox.mark_retry(row_id, timedelta(seconds=2), "NetworkError: 502")
        await outbox.mark_throttled(row_id, timedelta(seconds=9))
        await outbox.mark_failed(row_id, "late")
        await outbox.release([row_id])

    assert await outbox.get(row_id) == before
    assert [r.getMessage() for r in caplog.records] == [
        f"outbox_not_sending id={row_id} status=uncertain"
    ] * 3


async def test_a_claim_and_a_batch_of_confirmations_are_one_statement_each(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    ids = [await put(db, clock, chat) for chat in range(3)]
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN IMMEDIATE
            statements.append(statement.split()[0])

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        claimed = await outbox.claim_due(5, exclude_chats={7})
        await outbox.mark_sent_many([(d.id, d.id) for d in claimed])
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)

    assert statements == ["UPDATE", "UPDATE"]
    assert sorted(d.id for d in claimed) == ids


async def test_a_reply_that_arrives_while_its_send_is_being_recorded_finds_its_thread(
    db: Database, clock: ManualClock, outbox: OutboxService
) -> None:
    row_id = await put(db, clock, 7, ref="q:42")
    await put(db, clock, 8, ref="q:43")  # another chat mid-send makes nobody else wait
    await outbox.claim_due(5)

    # Telegram has confirmed message 500; its reply comes before the confirmation is written.
    lookup = asyncio.create_task(outbox.ref_of(7, 500))
    await asyncio.sleep(0.2)
    assert not lookup.done()
    await outbox.mark_sent(row_id, 500)
    assert await asyncio.wait_for(lookup, 5) == "q:42"

    # Nothing mid-send to that chat: an unknown message is answered at once.
    assert await asyncio.wait_for(outbox.ref_of(7, 501, settle=60), 1) is None
    # A send that never gets recorded is waited for only so long.
    assert await outbox.ref_of(8, 600, settle=0.1) is None
