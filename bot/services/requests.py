"""Mentee-choice programmes: a mentee asks one of the suggested mentors; the mentor decides.

Flow: ``choices`` offers the mentee up to three mentors of one programme (cards, never contact
details); a mentee free to choose in several programmes is first asked which one →
``request`` writes a pending request and sends the mentor the mentee's card with *Accept* /
*Decline* / *Ask for more* → ``decide`` forms the pair (both introduced) or declines (the
mentee is offered others). *Ask for more* is a short exchange while the request waits:
``ask_mentee`` relays the mentor's question with a *Reply* button, ``answer_mentor`` relays the
mentee's answer back together with the three answer buttons again; ``check_open`` tells either
side, before they write, whether the request is still theirs to write about. ``sweep`` runs
every minute over the requests whose ``next_check_at`` has come: halfway to the deadline the
mentor is reminded once; at the deadline the request expires, the mentee is offered other
mentors and the programme's coordinators are told.

A mentee has at most one pending request at a time, so no mentor is asked in parallel for the
same person; a mentor's capacity is checked again when they accept.
"""

from __future__ import annotations

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
    PairingRefused,
    PairingService,
    Refusal,
    Suggestion,
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
            .where(Membership.person_id == person_id, Membership.role == Role.MENTEE)
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
            _, best = await self._pairing.suggest_in(s, programme.id, person_id)
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

        Raises:
            PairingRefused: the mentor is not (or no longer) one this mentee may ask.
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
            fit = await self._pairing.score_in(s, programme_id, mentor_id, mentee_id)
            if fit is None:
                raise PairingRefused(Refusal.NO_CAPACITY)
            hours = ProgrammeSettings.from_json(programme.settings).request_expiry_hours
            request = PairingRequest(
                programme_id=programme_id,
                mentee_id=mentee_id,
                mentor_id=mentor_id,
                status=RequestStatus.PENDING,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
                next_check_at=now + timedelta(hours=hours) / 2,
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

        Raises:
            PairingRefused: ``not_yours`` (also for unknown ids), ``already_ended`` for a
                request no longer pending, or a pairing rule when accepting.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            request, mentor, mentee = await self._open(s, mentor_telegram_id, request_id, "mentor")
            if decision == "accept":
                fit = await self._pairing.score_in(s, request.programme_id, mentor.id, mentee.id)
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
                request.status, request.decided_at = RequestStatus.ACCEPTED, now
            else:
                request.status, request.decided_at = RequestStatus.DECLINED, now
                self._tell(s, mentee, "request.declined", mentor, f"declined:{request.id}", now)
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
        try:
            person_id = await active_person_id(s, telegram_id)
        except NotCoordinator:
            raise PairingRefused(Refusal.NOT_YOURS) from None
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

    def _tell(
        self, s: AsyncSession, whom: Person, key: str, about: Person, dedupe: str, now: datetime
    ) -> None:
        enqueue_to(
            s,
            whom,
            kind="pair_request_update",
            payload={"text": t(whom.language, key, name=about.display_name or "—")},
            dedupe_key=f"request:{dedupe}:{whom.id}",
            now=now,
        )

    async def sweep(self, *, batch: int = 500) -> int:
        """Remind halfway, expire at the deadline. Returns how many requests it touched.

        Only requests due now are read (an indexed range on ``next_check_at``), so a quiet
        minute costs one empty query however many requests are pending.
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
                    request.status, request.decided_at = RequestStatus.EXPIRED, now
                    self._tell(s, asker, "request.expired", asked, f"expired:{request.id}", now)
                    await tell_coordinators(
                        s,
                        request.programme_id,
                        "request.expired_coordinator",
                        f"request:expired:{request.id}",
                        now,
                        kind="pair_request_expired",
                        mentor=asked.display_name or "—",
                        mentee=asker.display_name or "—",
                    )
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


def _answer_buttons(lang: str, request_id: int) -> list[list[dict[str, str]]]:
    return [
        [
            {"text": t(lang, "request.accept"), "callback_data": f"rq:a:{request_id}"},
            {"text": t(lang, "request.decline"), "callback_data": f"rq:d:{request_id}"},
        ],
        [{"text": t(lang, "request.ask_more"), "callback_data": f"rq:m:{request_id}"}],
    ]


def _view(request: PairingRequest, mentor: Person, mentee: Person) -> RequestView:
    return RequestView(
        id=request.id,
        status=request.status,
        mentor_name=mentor.display_name or "—",
        mentee_name=mentee.display_name or "—",
        expires_at=request.expires_at,
    )
