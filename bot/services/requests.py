"""Mentee-choice programmes: a mentee asks one of the suggested mentors; the mentor decides.

Flow: ``choices`` offers the mentee up to three mentors of one programme (cards, never contact
details); a mentee free to choose in several programmes is first asked which one →
``request`` writes a pending request and sends the mentor the mentee's card with *Accept* /
*Decline* / *Ask for more* → ``decide`` forms the pair (both introduced) or declines. *Ask for
more* is a short exchange while the request waits: ``ask_mentee`` relays the mentor's question
with a *Reply* button, ``answer_mentor`` relays the mentee's answer back together with the three
answer buttons again; ``check_open`` tells either side, before they write, whether the request
is still theirs to write about.

``sweep`` runs every minute over the requests whose ``next_check_at`` has come. Once the
programme's expected answer time (``answer_hours``) has passed the mentor is reminded, once;
when that time is not shorter than the request's life (``request_expiry_hours``) the reminder
comes halfway to the deadline instead, so that it always comes first. At the deadline the
request expires and the programme's coordinators are told. After downtime the sweep catches up
with one step only: a request whose deadline also passed meanwhile just expires, unreminded.

Whenever a request ends without a pair — declined, expired, or accepted by a mentor who has no
place left — the mentee's message carries up to three other mentors' cards with their *Ask*
buttons, leaving out every mentor who declined or let expire one of their requests in that
programme. When nobody is left the mentee is told so kindly and the coordinators are asked to
help. A fresh ``/findmentor`` shows every mentor the rules allow again.

A mentee has at most one pending request at a time, so no mentor is asked in parallel for the
same person. Only an active mentor of the programme whom the pairing rules allow for this mentee
(a common language, the stage rule, not excluded, never paired before, not away, a free place)
may be asked, whatever the button says; capacity and away are checked again on *Accept*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.i18n import t
from bot.services.outbox import enqueue_to
from bot.services.pairing import (
    Buttons,
    PairingRefused,
    PairingService,
    Refusal,
    Suggestion,
    acting_person_id,
    ask_buttons,
    mentor_cards,
    reason_text,
)
from bot.services.programmes import (
    NotCoordinator,
    ProgrammeSettings,
    active_person_id,
    tell_coordinators,
)
from storage.database import Database
from storage.models import (
    Membership,
    Pairing,
    PairingOrigin,
    PairingRequest,
    PairingStatus,
    Person,
    Programme,
    RequestStatus,
    Role,
)

Decision = Literal["accept", "decline"]
Side = Literal["mentor", "mentee"]
RELAY_MAX = 1000  # characters of one question or answer relayed between the two
OFFERED = 3  # mentor cards shown to a mentee at a time
# Refusal code (catalog ``request.unavailable``): the button names a mentor this mentee may not
# ask — not a mentor of the programme, or one the pairing rules rule out. One code for all, so
# that a mentee never learns that a coordinator excluded the pair.
UNAVAILABLE = "unavailable"


def relay_problem(text: str | None) -> Literal["not_text", "empty", "too_long"] | None:
    """What is wrong with a question or answer to relay, or None when it can go."""
    if text is None:
        return "not_text"
    if not text.strip():
        return "empty"
    return "too_long" if len(text.strip()) > RELAY_MAX else None


@dataclass(frozen=True)
class ProgrammeChoice:
    """A programme a mentee may choose a mentor in."""

    id: int
    name: str


@dataclass(frozen=True)
class MentorChoices:
    """What ``/findmentor`` shows: where the mentee stands, and the mentors they may ask."""

    state: Literal["choose", "pick", "has_mentor", "pending", "not_choice"]
    programme_id: int | None
    programme_name: str
    suggestions: tuple[Suggestion, ...]
    pending_mentor: str | None = None
    programmes: tuple[ProgrammeChoice, ...] = ()  # for ``pick``: where the mentee may choose


@dataclass(frozen=True)
class RequestView:
    """A request as its two people see it."""

    id: int
    status: RequestStatus
    mentor_name: str
    mentee_name: str
    expires_at: datetime
    # Set when the mentor pressed Accept but a rule closed the request instead (a ``Refusal``
    # code: ``no_capacity``, ``has_mentor`` or another rule that no longer lets them pair).
    closed_because: str | None = None


class RequestService:
    """Requests from mentees to mentors, one transaction per call."""

    def __init__(self, db: Database, clock: Clock, pairing: PairingService) -> None:
        self._db = db
        self._clock = clock
        self._pairing = pairing

    async def _choice_programmes(
        self, s: AsyncSession, person_id: int
    ) -> list[tuple[Programme, bool]]:
        """The mentee's mentee-choice programmes, oldest first, and whether each has a mentor."""
        programmes = await s.scalars(
            select(Programme)
            .join(Membership, Membership.programme_id == Programme.id)
            .where(
                Membership.person_id == person_id,
                Membership.role == Role.MENTEE,
                Membership.deactivated_at.is_(None),
            )
            .order_by(Programme.id)
        )
        chosen = [
            p
            for p in programmes
            if ProgrammeSettings.from_json(p.settings).pairing_mode == "choice"
        ]
        if not chosen:
            return []
        paired = set(
            await s.scalars(
                select(Pairing.programme_id).where(
                    Pairing.programme_id.in_([p.id for p in chosen]),
                    Pairing.mentee_id == person_id,
                    Pairing.status == PairingStatus.ACTIVE,
                )
            )
        )
        return [(p, p.id in paired) for p in chosen]

    async def _choice_membership(
        self, s: AsyncSession, person_id: int, programme_id: int
    ) -> tuple[Programme, bool]:
        """One of the mentee's choice programmes, and whether they have a mentor there.

        Raises:
            PairingRefused: ``not_members`` when the mentee may not choose in that programme.
        """
        for programme, has_mentor in await self._choice_programmes(s, person_id):
            if programme.id == programme_id:
                return programme, has_mentor
        raise PairingRefused(Refusal.NOT_MEMBERS)

    async def choices(
        self, mentee_telegram_id: int, programme_id: int | None = None
    ) -> MentorChoices:
        """The mentors this mentee may ask now (or why they cannot ask anyone).

        Without ``programme_id`` the mentee's one open choice programme is used; when several
        are open the answer is ``pick``, listing them.

        Raises:
            PairingRefused: ``not_members`` when ``programme_id`` is not one of the mentee's
                choice programmes (a forged or stale button).
        """
        async with self._db.read() as s:
            try:
                person_id = await active_person_id(s, mentee_telegram_id)
            except NotCoordinator:
                raise PairingRefused(Refusal.NOT_MEMBERS) from None
            if programme_id is not None:
                candidates = [await self._choice_membership(s, person_id, programme_id)]
            else:
                every = await self._choice_programmes(s, person_id)
                if not every:
                    return MentorChoices("not_choice", None, "", ())
                # Programmes where they already have a mentor are not worth a question.
                candidates = [(p, False) for p, paired in every if not paired] or every[:1]
            pending = await self._pending_of(s, person_id)
            if pending is not None:
                # One request at a time, whichever programme it is in.
                mentor = await s.get(Person, pending.mentor_id)
                name = mentor.display_name if mentor and mentor.display_name else "—"
                first = candidates[0][0]
                return MentorChoices("pending", first.id, first.name, (), name)
            if len(candidates) > 1:
                listed = tuple(ProgrammeChoice(p.id, p.name) for p, _ in candidates)
                return MentorChoices("pick", None, "", (), programmes=listed)
            programme, has_mentor = candidates[0]
            if has_mentor:
                return MentorChoices("has_mentor", programme.id, programme.name, ())
            _, best = await self._pairing.suggest_in(s, programme.id, person_id, limit=OFFERED)
            return MentorChoices("choose", programme.id, programme.name, tuple(best))

    async def _pending_of(self, s: AsyncSession, mentee_id: int) -> PairingRequest | None:
        return await s.scalar(
            select(PairingRequest).where(
                PairingRequest.mentee_id == mentee_id,
                PairingRequest.status == RequestStatus.PENDING,
            )
        )

    async def request(
        self, mentee_telegram_id: int, programme_id: int, mentor_id: int
    ) -> RequestView:
        """Ask a mentor; the mentor gets the mentee's card with the three answers.

        The button carries ids anyone can forge, so the mentor is checked as if it did not
        exist: an active mentor of this very programme whom every pairing rule allows for this
        mentee now (as ``/findmentor`` would have shown them).

        Raises:
            PairingRefused: ``not_members`` when the mentee may not choose in the programme,
                ``has_mentor`` or ``pending`` when they may not ask anyone now, ``unavailable``
                (``UNAVAILABLE``) when they may not ask this mentor.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            try:
                mentee_id = await active_person_id(s, mentee_telegram_id)
            except NotCoordinator:
                raise PairingRefused(Refusal.NOT_MEMBERS) from None
            programme, has_mentor = await self._choice_membership(s, mentee_id, programme_id)
            if has_mentor:
                raise PairingRefused(Refusal.HAS_MENTOR)
            if await self._pending_of(s, mentee_id) is not None:
                raise PairingRefused(Refusal.PENDING)
            pairing = self._pairing
            try:
                await pairing.check_role(s, programme_id, mentor_id, Role.MENTOR, active=True)
            except PairingRefused:
                raise PairingRefused(UNAVAILABLE) from None
            fit = await self._pairing.score_in(s, programme_id, mentor_id, mentee_id)
            if fit is None:
                raise PairingRefused(UNAVAILABLE)
            settings = ProgrammeSettings.from_json(programme.settings)
            hours = settings.request_expiry_hours
            request = PairingRequest(
                programme_id=programme_id,
                mentee_id=mentee_id,
                mentor_id=mentor_id,
                status=RequestStatus.PENDING,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
                next_check_at=_reminder_at(now, settings),
            )
            s.add(request)
            await s.flush()
            mentor = await s.get(Person, mentor_id)
            mentee = await s.get(Person, mentee_id)
            assert mentor is not None and mentee is not None
            lang = mentor.language
            name = mentee.display_name or "—"
            text = t(lang, "request.new", name=name, programme=programme.name, hours=hours)
            why = reason_text(lang, fit.reasons)
            if why:
                text += "\n" + t(lang, "pair.intro.reasons", reasons=why)
            enqueue_to(
                s,
                mentor,
                kind="pair_request",
                payload={"text": text, "buttons": _answer_buttons(lang, request.id)},
                dedupe_key=f"pair_request:{request.id}",
                now=now,
            )
            return _view(request, mentor, mentee)

    async def decide(
        self, mentor_telegram_id: int, request_id: int, decision: Decision
    ) -> RequestView:
        """The mentor's answer. Only the asked mentor may answer, and only while pending.

        Accepting checks every pairing rule again, since things change while a request waits.
        A mentor who is away is refused and the request stays open: being away is their own
        setting, and once back they may still accept. Any other rule (most often: no place
        left, say because a coordinator paired them meanwhile) closes the request without a
        pair — the view's ``closed_because`` says why — and the mentee is offered other
        mentors, as after a decline; a mentee who got a mentor meanwhile is simply left be.

        Raises:
            PairingRefused: ``not_yours`` (also for unknown ids), ``already_ended`` for a
                request no longer pending, ``away`` when accepting while away.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            request, mentor, mentee = await self._open(s, mentor_telegram_id, request_id, "mentor")
            if decision == "decline":
                await self._end_unpaired(s, request, mentor, mentee, RequestStatus.DECLINED, now)
                return _view(request, mentor, mentee)
            fit = await self._pairing.score_in(s, request.programme_id, mentor.id, mentee.id)
            try:
                await self._pairing.form_in(
                    s,
                    request.programme_id,
                    mentor.id,
                    mentee.id,
                    origin=PairingOrigin.CHOICE,
                    created_by=mentee.id,
                    insist=False,
                    reasons=fit.reasons if fit else (),
                    score=fit.value if fit else None,
                )
            except PairingRefused as refusal:
                if refusal.reason == Refusal.AWAY:
                    raise
                # ``form_in`` refuses before it writes anything, so closing here is safe.
                if refusal.reason == Refusal.HAS_MENTOR:
                    request.status, request.decided_at = RequestStatus.WITHDRAWN, now
                else:
                    await self._end_unpaired(
                        s, request, mentor, mentee, RequestStatus.DECLINED, now
                    )
                return _view(request, mentor, mentee, closed_because=refusal.reason)
            request.status, request.decided_at = RequestStatus.ACCEPTED, now
            return _view(request, mentor, mentee)

    async def _open(
        self, s: AsyncSession, telegram_id: int, request_id: int, side: Side, *, lock: bool = True
    ) -> tuple[PairingRequest, Person, Person]:
        """A pending request of which this person is the ``side``, with its mentor and mentee.

        ``lock`` takes the request's row (PostgreSQL) so that a decision and a relay, or two
        decisions, cannot both see it pending; a mere look leaves it off.

        Raises:
            PairingRefused: ``not_yours`` for anyone else and unknown ids (so that nobody learns
                which requests exist), ``already_ended`` once it is decided or expired.
        """
        person_id = await acting_person_id(s, telegram_id)
        request = await s.get(PairingRequest, request_id, with_for_update=lock)
        if request is None:
            raise PairingRefused(Refusal.NOT_YOURS)
        if person_id != (request.mentor_id if side == "mentor" else request.mentee_id):
            raise PairingRefused(Refusal.NOT_YOURS)
        # The sweep may not have run yet: a request past its deadline is over all the same.
        if request.status != RequestStatus.PENDING or request.expires_at <= self._clock.now():
            raise PairingRefused(Refusal.ALREADY_ENDED)
        mentor = await s.get(Person, request.mentor_id)
        mentee = await s.get(Person, request.mentee_id)
        assert mentor is not None and mentee is not None  # foreign keys, cascading deletes
        return request, mentor, mentee

    async def check_open(self, telegram_id: int, request_id: int, side: Side) -> RequestView:
        """The request, when this person may still write about it as its ``side``.

        Raises:
            PairingRefused: see ``_open``.
        """
        async with self._db.read() as s:
            return _view(*await self._open(s, telegram_id, request_id, side, lock=False))

    async def ask_mentee(
        self, mentor_telegram_id: int, request_id: int, question: str, *, message_key: int
    ) -> RequestView:
        """Relay the mentor's question to the mentee, with a *Reply* button.

        Args:
            mentor_telegram_id: Who asks; must be the request's mentor.
            request_id: The pending request.
            question: What the mentor wants to know (see ``relay_problem``).
            message_key: The id of the mentor's message, so one message is relayed once.

        Raises:
            PairingRefused: see ``_open``.
            ValueError: when ``relay_problem`` finds the question unfit.
        """
        return await self._relay(mentor_telegram_id, request_id, question, message_key, "mentor")

    async def answer_mentor(
        self, mentee_telegram_id: int, request_id: int, answer: str, *, message_key: int
    ) -> RequestView:
        """Relay the mentee's answer to the mentor, with *Accept* / *Decline* / *Ask for more*.

        Raises:
            PairingRefused: see ``_open``.
            ValueError: when ``relay_problem`` finds the answer unfit.
        """
        return await self._relay(mentee_telegram_id, request_id, answer, message_key, "mentee")

    async def _relay(
        self, telegram_id: int, request_id: int, text: str, message_key: int, side: Side
    ) -> RequestView:
        problem = relay_problem(text)
        if problem is not None:
            raise ValueError(problem)
        text, now = text.strip(), self._clock.now()
        async with self._db.session() as s:
            request, mentor, mentee = await self._open(s, telegram_id, request_id, side)
            # Names only: the two have not agreed to pair, so no username or phone travels.
            if side == "mentor":
                whom, lang = mentee, mentee.language
                body = t(lang, "request.question", name=mentor.display_name or "—", question=text)
                reply = {"text": t(lang, "request.reply"), "callback_data": f"rq:y:{request.id}"}
                buttons = [[reply]]
            else:
                whom, lang = mentor, mentor.language
                body = t(lang, "request.answer", name=mentee.display_name or "—", answer=text)
                buttons = _answer_buttons(lang, request.id)
            enqueue_to(
                s,
                whom,
                kind="pair_request_more",
                payload={"text": body, "buttons": buttons},
                dedupe_key=f"request:more:{request.id}:{side}:{message_key}",
                now=now,
            )
            return _view(request, mentor, mentee)

    async def _end_unpaired(
        self,
        s: AsyncSession,
        request: PairingRequest,
        mentor: Person,
        mentee: Person,
        status: Literal[RequestStatus.DECLINED, RequestStatus.EXPIRED],
        now: datetime,
    ) -> None:
        """Close ``request`` without a pair and tell the mentee, offering other mentors.

        The mentee's one message carries up to ``OFFERED`` mentor cards with their *Ask*
        buttons. When nobody is left, it says so and the coordinators are asked to help; on
        expiry the coordinators hear about the silent mentor either way.
        """
        request.status, request.decided_at = status, now
        offers = await self._offers(s, request)
        lang, tag = mentee.language, status.value
        key = "request.expired" if status == RequestStatus.EXPIRED else "request.declined"
        text = t(lang, key, name=mentor.display_name or "—")
        payload: dict[str, object] = {"text": text}
        if offers:
            cards, buttons = offer_cards(lang, request.programme_id, offers)
            payload = {"text": f"{text}\n\n{cards}", "buttons": buttons}
        elif offers is not None:  # still choosing there, but nobody left to ask
            payload = {"text": f"{text}\n\n{t(lang, 'request.nobody_left')}"}
        enqueue_to(
            s,
            mentee,
            kind="pair_request_update",
            payload=payload,
            dedupe_key=f"request:{tag}:{request.id}:{mentee.id}",
            now=now,
        )
        if offers == []:
            coordinator_key = "request.stranded_coordinator"
        elif status == RequestStatus.EXPIRED:
            coordinator_key = "request.expired_coordinator"
        else:
            return
        programme = await s.get(Programme, request.programme_id)
        await tell_coordinators(
            s,
            request.programme_id,
            coordinator_key,
            f"request:{tag}:{request.id}",
            now,
            kind=f"pair_request_{tag}",
            mentor=mentor.display_name or "—",
            mentee=mentee.display_name or "—",
            programme=programme.name if programme is not None else "—",
        )

    async def _offers(self, s: AsyncSession, request: PairingRequest) -> list[Suggestion] | None:
        """Other mentors for the mentee of a request that just ended without a pair.

        Mentors who declined or let expire one of this mentee's requests in the programme are
        left out (the one of ``request`` included, even before its new status is flushed).

        Returns:
            Up to ``OFFERED`` suggestions, best first; None when the mentee no longer chooses
            a mentor there (they got one meanwhile, left, or the programme's mode changed).
        """
        open_here = [
            p.id
            for p, has_mentor in await self._choice_programmes(s, request.mentee_id)
            if not has_mentor
        ]
        if request.programme_id not in open_here:
            return None
        said_no = set(
            await s.scalars(
                select(PairingRequest.mentor_id).where(
                    PairingRequest.programme_id == request.programme_id,
                    PairingRequest.mentee_id == request.mentee_id,
                    PairingRequest.status.in_((RequestStatus.DECLINED, RequestStatus.EXPIRED)),
                )
            )
        ) | {request.mentor_id}
        _, best = await self._pairing.suggest_in(
            s, request.programme_id, request.mentee_id, limit=OFFERED + len(said_no)
        )
        return [o for o in best if o.mentor.person_id not in said_no][:OFFERED]

    async def sweep(self, *, batch: int = 500) -> int:
        """Remind once the answer time has passed, expire at the deadline.

        Returns how many requests it touched. Only requests due now are read (an indexed
        range on ``next_check_at``), so a quiet minute costs one empty query however many
        requests are pending. Each due request takes one step: a request past its deadline
        expires (reminded or not, as after downtime); any other is reminded and next looked at
        on its deadline, so a mentor is never reminded twice.
        """
        now = self._clock.now()
        mentor, mentee = aliased(Person), aliased(Person)
        async with self._db.session() as s:
            due = (
                await s.execute(
                    select(PairingRequest, mentor, mentee)
                    .join(mentor, mentor.id == PairingRequest.mentor_id)
                    .join(mentee, mentee.id == PairingRequest.mentee_id)
                    .where(
                        PairingRequest.status == RequestStatus.PENDING,
                        PairingRequest.next_check_at <= now,
                    )
                    .order_by(PairingRequest.next_check_at)
                    .limit(batch)
                )
            ).all()
            for request, asked, asker in due:
                if request.expires_at <= now:
                    await self._end_unpaired(s, request, asked, asker, RequestStatus.EXPIRED, now)
                else:
                    request.reminded_at, request.next_check_at = now, request.expires_at
                    self._remind(s, request, asked, asker, now)
            return len(due)

    def _remind(
        self,
        s: AsyncSession,
        request: PairingRequest,
        mentor: Person,
        mentee: Person,
        now: datetime,
    ) -> None:
        lang = mentor.language
        enqueue_to(
            s,
            mentor,
            kind="pair_request_reminder",
            payload={
                "text": t(lang, "request.reminder", name=mentee.display_name or "—"),
                "buttons": _answer_buttons(lang, request.id),
            },
            dedupe_key=f"request:reminder:{request.id}",
            now=now,
        )


def offer_cards(
    lang: str, programme_id: int, suggestions: Sequence[Suggestion]
) -> tuple[str, Buttons]:
    """Mentor cards and one *Ask* button each (``rq:r``), as ``/findmentor`` shows them.

    Plain data, so that both a handler and an outbox message can carry them.
    """
    cards = t(lang, "findmentor.cards", lines=mentor_cards(lang, suggestions))
    return cards, ask_buttons(lang, programme_id, suggestions)


def _reminder_at(created: datetime, settings: ProgrammeSettings) -> datetime:
    """When the mentor is reminded: once the programme's answer time has passed, or halfway
    to the deadline when the answer time is not shorter than the request's life."""
    answer = timedelta(hours=settings.answer_hours)
    expiry = timedelta(hours=settings.request_expiry_hours)
    return created + (answer if answer < expiry else expiry / 2)


def _answer_buttons(lang: str, request_id: int) -> Buttons:
    return [
        [
            {"text": t(lang, "request.accept"), "callback_data": f"rq:a:{request_id}"},
            {"text": t(lang, "request.decline"), "callback_data": f"rq:d:{request_id}"},
        ],
        [{"text": t(lang, "request.ask_more"), "callback_data": f"rq:m:{request_id}"}],
    ]


def _view(
    request: PairingRequest, mentor: Person, mentee: Person, *, closed_because: str | None = None
) -> RequestView:
    return RequestView(
        id=request.id,
        status=request.status,
        mentor_name=mentor.display_name or "—",
        mentee_name=mentee.display_name or "—",
        expires_at=request.expires_at,
        closed_because=closed_because,
    )
