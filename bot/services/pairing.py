"""Pairs of mentor and mentee: forming them, ending them, and keeping their history.

Every rule that protects a pair is enforced here, whatever the path that asks (a coordinator's
``/pair``, a mentee's request, the batch match): both people belong to the programme in the
right roles, the mentee has no mentor there yet, the mentor has room and is not away, the two
were never paired before (unless a coordinator insists) and are not excluded. Whatever the other
party must hear about it — an introduction, a pair ending — is written to the outbox in the same
transaction, so a pair never exists without its introduction, nor an introduction without it.
"""

from __future__ import annotations

import asyncio
import enum
import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.i18n import Safe, t
from bot.services.cards import facts_line, short_bio
from bot.services.matching import (
    Candidate,
    Constraints,
    Reason,
    Score,
    Weights,
    match_batch,
    profile_rule,
    score,
    suggest,
)
from bot.services.outbox import enqueue_rows, enqueue_to, row_to
from bot.services.profile import FIELDS
from bot.services.programmes import (
    NotCoordinator,
    ProgrammeSettings,
    active_person_id,
    notify_coordinators,
    require_coordinator,
    tell_coordinators,
)
from bot.services.stats import audit
from bot.services.timezones import utc_offset_hours
from storage.database import Database
from storage.models import (
    Membership,
    Pairing,
    PairingExclusion,
    PairingOrigin,
    PairingStatus,
    Person,
    PersonStatus,
    Profile,
    Programme,
    Role,
)


class PairingRefused(Exception):
    """A pair that may not be formed, with a reason code for the person who asked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Refusal(enum.StrEnum):
    """Why a pair cannot be formed or ended (catalog suffixes: ``pair.refused.<code>``)."""

    NOT_MEMBERS = "not_members"
    HAS_MENTOR = "has_mentor"
    NO_CAPACITY = "no_capacity"
    AWAY = "away"
    PAIRED_BEFORE = "paired_before"
    EXCLUDED = "excluded"
    UNREACHABLE = "unreachable"
    NOT_YOURS = "not_yours"
    ALREADY_ENDED = "already_ended"
    BAD_RATING = "bad_rating"
    PENDING = "pending"
    NO_COMMON_LANGUAGE = "no_common_language"
    STAGE_RULE = "stage_rule"
    SAME_PERSON = "same_person"


@dataclass(frozen=True)
class PairView:
    """A pair as either side or a coordinator may see it: names, never contact details."""

    id: int
    programme_id: int
    programme_name: str
    mentor_id: int
    mentor_name: str
    mentee_id: int
    mentee_name: str
    status: PairingStatus
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class MemberCard:
    """A programme member as a coordinator picks them: id, name and field, nothing private."""

    person_id: int
    name: str
    field: str | None


@dataclass(frozen=True)
class ProposedPair:
    """One pair of a batch proposal."""

    mentor: MemberCard
    mentee: MemberCard
    score: Score


@dataclass(frozen=True)
class BatchProposal:
    """The optimal pairs for a programme's waiting mentees, and why anyone stays unmatched."""

    programme_id: int
    pairs: tuple[ProposedPair, ...]
    unmatched: tuple[tuple[MemberCard, str], ...]


@dataclass(frozen=True)
class Exclusion:
    """A coordinator's "never pair these two" in one programme."""

    programme_id: int
    programme_name: str
    mentor: MemberCard
    mentee: MemberCard
    paired_now: bool  # an exclusion ends no pair: an active one goes on until someone ends it


@dataclass(frozen=True)
class ExclusionList:
    """A programme's exclusions, mentees in the order they joined."""

    programme_id: int
    programme_name: str
    exclusions: tuple[Exclusion, ...]


@dataclass(frozen=True)
class Suggestion:
    """A mentor proposed for a mentee, with the score's reasons and what their card shows
    (never a username or a phone number)."""

    mentor: MemberCard
    score: Score
    stage: str | None = None
    languages: tuple[str, ...] = ()
    bio: str | None = None


def reason_text(lang: str, reasons: tuple[Reason, ...]) -> str:
    """``both in Paediatrics; both speak Spanish; 3 h apart`` in the reader's language."""
    parts = []
    for reason in reasons:
        p = reason.params
        match reason.code:
            case "same_field":
                field = str(p["field"])
                label = t(lang, f"field.{field}") if field in FIELDS else field
                parts.append(t(lang, "reason.same_field", field=label))
            case "languages":
                spoken = ", ".join(t(lang, f"spoken.{c}") for c in _strings(p["languages"]))
                parts.append(t(lang, "reason.languages", languages=spoken))
            case "interests":
                shared = ", ".join(t(lang, f"interest.{c}") for c in _strings(p["interests"]))
                parts.append(t(lang, "reason.interests", interests=shared))
            case "hours_apart":
                parts.append(t(lang, "reason.hours_apart", hours=p["hours"]))
            case "places_left":
                parts.append(t(lang, "reason.places_left", places=p["places"]))
    return "; ".join(parts)


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else (str(value),)


def _reasons_json(reasons: tuple[Reason, ...]) -> list[dict[str, Any]]:
    return [
        {"code": r.code, "params": {k: _jsonable(v) for k, v in r.params.items()}} for r in reasons
    ]


def _jsonable(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _reasons_from_json(data: list[dict[str, Any]]) -> tuple[Reason, ...]:
    return tuple(
        Reason(str(item.get("code")), dict(item.get("params") or {}))
        for item in data
        if isinstance(item, dict)
    )


async def _pair_view(s: AsyncSession, pairing: Pairing) -> PairView:
    mentor = await s.get(Person, pairing.mentor_id)
    mentee = await s.get(Person, pairing.mentee_id)
    programme = await s.get(Programme, pairing.programme_id)
    assert mentor is not None and mentee is not None and programme is not None
    return PairView(
        id=pairing.id,
        programme_id=programme.id,
        programme_name=programme.name,
        mentor_id=mentor.id,
        mentor_name=mentor.display_name or "—",
        mentee_id=mentee.id,
        mentee_name=mentee.display_name or "—",
        status=pairing.status,
        reasons=_reasons_from_json(pairing.reasons),
    )


async def _active_roles(
    s: AsyncSession, programme_id: int, person_ids: Collection[int]
) -> set[tuple[int, Role]]:
    """``(person_id, role)`` of these people's active memberships of the programme."""
    rows = await s.execute(
        select(Membership.person_id, Membership.role).where(
            Membership.programme_id == programme_id,
            Membership.person_id.in_(person_ids),
            Membership.deactivated_at.is_(None),
        )
    )
    return {(person_id, role) for person_id, role in rows}


def _members_in_roles(roles: set[tuple[int, Role]], mentor_id: int, mentee_id: int) -> bool:
    return {(mentor_id, Role.MENTOR), (mentee_id, Role.MENTEE)} <= roles


@dataclass(frozen=True)
class NewPair:
    """A pair to form (``PairingService.form_many_in``): who, why, and whether a coordinator
    insists past an earlier pair of the same two."""

    mentor_id: int
    mentee_id: int
    reasons: tuple[Reason, ...] = ()
    score: float | None = None
    insist: bool = False


@dataclass
class _PairFacts:
    """Everything the pairing rules look at, for a set of pairs of one programme, read at once.

    ``refusal`` is the rules themselves, in the order their refusals are reported; ``take``
    records an accepted pair, so the next ones see the mentee paired and the place taken.
    """

    roles: set[tuple[int, Role]]
    people: dict[int, Person]
    profiles: dict[int, Profile]
    paired_mentees: set[int]
    loads: dict[int, int]  # active mentees per mentor, across programmes
    history: Constraints  # exclusions and earlier pairs of these mentees

    @classmethod
    async def load(
        cls, s: AsyncSession, programme_id: int, pairs: Sequence[NewPair]
    ) -> _PairFacts:
        mentor_ids = sorted({p.mentor_id for p in pairs})
        mentee_ids = sorted({p.mentee_id for p in pairs})
        everyone = sorted({*mentor_ids, *mentee_ids})
        roles = await _active_roles(s, programme_id, everyone)
        people = await s.scalars(select(Person).where(Person.id.in_(everyone)))
        # The mentors' rows are locked in one order, so two batches cannot deadlock.
        profiles = list(
            await s.scalars(
                select(Profile)
                .where(Profile.person_id.in_(mentor_ids))
                .order_by(Profile.person_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        profiles += await s.scalars(select(Profile).where(Profile.person_id.in_(mentee_ids)))
        paired = await s.scalars(
            select(Pairing.mentee_id).where(
                Pairing.programme_id == programme_id,
                Pairing.mentee_id.in_(mentee_ids),
                Pairing.status == PairingStatus.ACTIVE,
            )
        )
        loads = await s.execute(
            select(Pairing.mentor_id, func.count())
            .where(Pairing.mentor_id.in_(mentor_ids), Pairing.status == PairingStatus.ACTIVE)
            .group_by(Pairing.mentor_id)
        )
        history = await _constraints(s, programme_id, mentee_ids)
        return cls(
            roles=roles,
            people={person.id: person for person in people},
            profiles={profile.person_id: profile for profile in profiles},
            paired_mentees=set(paired),
            loads={mentor_id: int(count) for mentor_id, count in loads},
            history=history,
        )

    def refusal(self, pair: NewPair, today: date) -> Refusal | None:
        """The first rule that forbids ``pair`` now, or None."""
        mentor_id, mentee_id = pair.mentor_id, pair.mentee_id
        if not _members_in_roles(self.roles, mentor_id, mentee_id):
            return Refusal.NOT_MEMBERS
        if mentor_id == mentee_id:  # a peer mentor who is also a mentee here
            return Refusal.SAME_PERSON
        if PersonStatus.BLOCKED in (self.people[mentor_id].status, self.people[mentee_id].status):
            return Refusal.UNREACHABLE
        if mentee_id in self.paired_mentees:
            return Refusal.HAS_MENTOR
        mentor, mentee = self.profiles.get(mentor_id), self.profiles.get(mentee_id)
        if mentor is not None and mentor.away_until is not None and mentor.away_until >= today:
            return Refusal.AWAY
        # The engine's hard rules hold on every path, a coordinator's hand-picked pair and a
        # forged button included: no insisting past them.
        broken = profile_rule(
            (mentor.languages if mentor else None) or (),
            (mentee.languages if mentee else None) or (),
            mentor.stage if mentor else None,
            mentee.stage if mentee else None,
        )
        if broken is not None:
            return Refusal(broken)
        capacity = (mentor.capacity if mentor else None) or 0
        if self.loads.get(mentor_id, 0) >= capacity:
            return Refusal.NO_CAPACITY
        if (mentor_id, mentee_id) in self.history.excluded:
            return Refusal.EXCLUDED
        if (mentor_id, mentee_id) in self.history.previous and not pair.insist:
            return Refusal.PAIRED_BEFORE
        return None

    def take(self, pair: NewPair) -> None:
        """``pair`` is formed: its mentee is paired and its mentor has one place fewer."""
        self.paired_mentees.add(pair.mentee_id)
        self.loads[pair.mentor_id] = self.loads.get(pair.mentor_id, 0) + 1


# Automatic batch programmes match their waiting mentees once a day; a run holds its programme
# for a short lease, and forms its pairs a chunk per transaction (short write locks).
BATCH_EVERY = timedelta(days=1)
BATCH_LEASE = timedelta(minutes=10)
BATCH_CHUNK = 200
# Long loops over a whole programme give the event loop a turn this often.
_YIELD_EVERY = 500

# The two sides of a pair in ``_pairs_query``.
_MENTOR = aliased(Person, name="mentor")
_MENTEE = aliased(Person, name="mentee")


def _pairs_query(*where: ColumnElement[bool]) -> Select[tuple[Any, ...]]:
    """The pairs matching ``where``, oldest first: each pairing joined with both people and
    the programme, so a list of pairs is ONE statement however many pairs there are.

    Conditions on the people themselves go through ``_MENTOR`` and ``_MENTEE``.
    """
    mentor, mentee = _MENTOR, _MENTEE
    return (
        select(
            Pairing.id,
            Pairing.programme_id,
            Programme.name,
            mentor.id,
            mentor.display_name,
            mentee.id,
            mentee.display_name,
            Pairing.status,
            Pairing.reasons,
        )
        .join(mentor, mentor.id == Pairing.mentor_id)
        .join(mentee, mentee.id == Pairing.mentee_id)
        .join(Programme, Programme.id == Pairing.programme_id)
        .where(*where)
        .order_by(Pairing.started_at, Pairing.id)
    )


_ACTIVE = Pairing.status == PairingStatus.ACTIVE
# Built once, run with parameters: building a statement costs more CPU than running it.
_PAIRS_OF: dict[Role, Select[tuple[Any, ...]]] = {
    role: _pairs_query(side.telegram_id == bindparam("telegram_id"), _ACTIVE)
    for role, side in ((Role.MENTOR, _MENTOR), (Role.MENTEE, _MENTEE))
}
_PROGRAMME_PAIRS = _pairs_query(Pairing.programme_id == bindparam("programme_id"), _ACTIVE)


async def _pair_views(
    s: AsyncSession, query: Select[tuple[Any, ...]], params: dict[str, Any]
) -> list[PairView]:
    """The pairs a ``_pairs_query`` finds with ``params``, as their views."""
    rows = await s.execute(query, params)
    return [
        PairView(
            id=pairing_id,
            programme_id=programme_id,
            programme_name=programme_name,
            mentor_id=mentor_id,
            mentor_name=mentor_name or "—",
            mentee_id=mentee_id,
            mentee_name=mentee_name or "—",
            status=status,
            reasons=_reasons_from_json(reasons or []),
        )
        for (
            pairing_id,
            programme_id,
            programme_name,
            mentor_id,
            mentor_name,
            mentee_id,
            mentee_name,
            status,
            reasons,
        ) in rows.tuples()
    ]


# -- after an ending: what the mentee is offered next ------------------------------------

Buttons = list[list[dict[str, str]]]  # outbox rows of ``{"text", "callback_data"}``


@dataclass(frozen=True)
class MatchOffer:
    """What a mentee whose pair ended is offered next, by their programme's pairing mode.

    ``state`` is ``choose`` (a mentee-choice programme: ``suggestions`` to ask, never the
    previous mentor), ``nobody`` (such a programme where no mentor fits now), ``find`` (such a
    programme, mentors not looked up: ``/findmentor`` will) or ``waiting`` (coordinator and
    batch programmes: back on the waiting list). In ``nobody`` and ``waiting`` the programme's
    coordinators are told that the mentee waits.
    """

    state: Literal["choose", "nobody", "find", "waiting"]
    programme_id: int
    programme_name: str
    mentee_id: int
    mentee_name: str
    mentor_name: str
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def coordinators_told(self) -> bool:
        """Whether the programme's coordinators hear that this mentee waits for a mentor."""
        return self.state in ("nobody", "waiting")


@dataclass(frozen=True)
class EndedPair(PairView):
    """A pair just ended: who ended it (their part in it) and the mentee's offer."""

    ended_by: Role = Role.COORDINATOR
    offer: MatchOffer | None = None


@dataclass(frozen=True)
class PreviousPair:
    """The last pair of a mentor and a mentee, for a coordinator deciding to pair them again."""

    programme_id: int
    mentor: MemberCard
    mentee: MemberCard
    ended_on: date | None
    reason: str | None
    rating: int | None


def mentor_card(lang: str, n: int, suggestion: Suggestion) -> str:
    """A suggested mentor as a choosing mentee sees them (the card of ``/findmentor``)."""
    return t(
        lang,
        "findmentor.card",
        n=n,
        name=suggestion.mentor.name,
        facts=facts_line(lang, suggestion.mentor.field, suggestion.stage, suggestion.languages),
        bio=short_bio(suggestion.bio),
        reasons=reason_text(lang, suggestion.score.reasons),
    ).replace("\n<i></i>", "")


def mentor_cards(lang: str, suggestions: Sequence[Suggestion]) -> Safe:
    """The numbered cards of several suggested mentors, a paragraph each."""
    return Safe("\n\n".join(mentor_card(lang, n, s) for n, s in enumerate(suggestions, 1)))


def offer_text(lang: str, offer: MatchOffer) -> str:
    """The offer as its mentee reads it: mentor cards, or what happens next."""
    if offer.state == "choose":
        return t(lang, "end.offer.choose", lines=mentor_cards(lang, offer.suggestions))
    return t(lang, f"end.offer.{offer.state}")


def ask_buttons(lang: str, programme_id: int, suggestions: Sequence[Suggestion]) -> Buttons:
    """One *Ask* button (``rq:r``) per suggested mentor, exactly as ``/findmentor`` offers
    them: plain data, for a handler's keyboard or an outbox message alike."""
    return [
        [
            {
                "text": t(lang, "findmentor.ask", name=s.mentor.name),
                "callback_data": f"rq:r:{programme_id}:{s.mentor.person_id}",
            }
        ]
        for s in suggestions
    ]


def offer_buttons(lang: str, offer: MatchOffer) -> Buttons:
    """The offer's *Ask* buttons (none unless it suggests mentors)."""
    return ask_buttons(lang, offer.programme_id, offer.suggestions)


def waiting_text(lang: str, offer: MatchOffer) -> str:
    """For a coordinator: this mentee waits for a new mentor."""
    return t(
        lang,
        "end.offer.coordinator",
        mentee=offer.mentee_name,
        mentor=offer.mentor_name,
        programme=offer.programme_name,
    )


def waiting_buttons(lang: str, offer: MatchOffer) -> Buttons:
    """A coordinator's one tap into ``/pair`` for the waiting mentee (its ``pm`` step)."""
    text = t(lang, "end.offer.pair_now", name=offer.mentee_name)
    return [[{"text": text, "callback_data": f"pm:{offer.programme_id}:{offer.mentee_id}"}]]


async def _offer_without_suggestions(s: AsyncSession, pairing: Pairing) -> MatchOffer:
    """The mentee's offer when nobody looked mentors up: ``find`` or ``waiting``."""
    programme = await s.get(Programme, pairing.programme_id)
    mentor = await s.get(Person, pairing.mentor_id)
    mentee = await s.get(Person, pairing.mentee_id)
    assert programme is not None and mentor is not None and mentee is not None
    choice = ProgrammeSettings.from_json(programme.settings).pairing_mode == "choice"
    return MatchOffer(
        "find" if choice else "waiting",
        programme.id,
        programme.name,
        mentee.id,
        mentee.display_name or "—",
        mentor.display_name or "—",
    )


async def _tell_coordinators_waiting(s: AsyncSession, pairing: Pairing, offer: MatchOffer) -> None:
    """Tell the programme's coordinators (not one who ended the pair: their reply says it)
    that the mentee waits, with a button that opens ``/pair`` for them."""
    if not offer.coordinators_told or pairing.ended_at is None:
        return
    await notify_coordinators(
        s,
        offer.programme_id,
        lambda lang: {"text": waiting_text(lang, offer), "buttons": waiting_buttons(lang, offer)},
        f"mentee_waiting:{pairing.id}",
        pairing.ended_at,
        kind="mentee_waiting",
        except_person=pairing.ended_by,
    )


async def acting_person_id(s: AsyncSession, telegram_id: int) -> int:
    """The person behind a Telegram id; someone unknown (or deleted) acts on nothing here, and
    hears only ``not_yours``, so that no id reveals what exists."""
    try:
        return await active_person_id(s, telegram_id)
    except NotCoordinator:
        raise PairingRefused(Refusal.NOT_YOURS) from None


async def tell_pair_ended(
    s: AsyncSession, pairing: Pairing, person_id: int, *, offer: MatchOffer | None = None
) -> None:
    """Tell one side, kindly and without detail, that their pair has ended.

    The mentee hears in the same message what comes next (``offer``; without one, the
    waiting list or ``/findmentor`` by the programme's mode), and when they wait for a
    coordinator the coordinators are told.
    """
    person = await s.get(Person, person_id)
    if person is None or pairing.ended_at is None:
        return
    lang, buttons = person.language, None
    if person_id != pairing.mentee_id:
        text = t(lang, "pair.ended.mentor")
    else:
        offer = offer or await _offer_without_suggestions(s, pairing)
        if offer.state == "waiting":
            text = t(lang, "pair.ended.mentee")
        else:
            text = t(lang, "pair.ended.mentee_offer", offer=Safe(offer_text(lang, offer)))
        buttons = offer_buttons(lang, offer) or None
        await _tell_coordinators_waiting(s, pairing, offer)
    enqueue_to(
        s,
        person,
        kind="pair_ended",
        payload={"text": text, **({"buttons": buttons} if buttons else {})},
        dedupe_key=f"pair_ended:{pairing.id}:{person.id}",
        now=pairing.ended_at,
    )


class PairingService:
    """Forming and ending pairs, one transaction per call."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def pair(
        self,
        by_telegram_id: int,
        programme_id: int,
        mentor_id: int,
        mentee_id: int,
        *,
        insist: bool = False,
        reasons: tuple[Reason, ...] = (),
        score: float | None = None,
    ) -> PairView:
        """A coordinator pairs two members of their programme; both are introduced.

        Raises:
            NotCoordinator: when the caller does not coordinate this programme.
            PairingRefused: when a rule forbids the pair (see ``Refusal``).
        """
        async with self._db.session() as s:
            coordinator_id = await require_coordinator(s, by_telegram_id, programme_id)
            if not reasons:
                # Explain every pair, even one chosen by hand: intros show why these two.
                fit = await self.score_in(s, programme_id, mentor_id, mentee_id)
                if fit is not None:
                    reasons, score = fit.reasons, fit.value
            pairing = await self.form_in(
                s,
                programme_id,
                mentor_id,
                mentee_id,
                origin=PairingOrigin.COORDINATOR,
                created_by=coordinator_id,
                insist=insist,
                reasons=reasons,
                score=score,
            )
            audit(s, programme_id, coordinator_id, "pair", mentee_id, {"mentor": mentor_id})
            return await _pair_view(s, pairing)

    async def form_in(
        self,
        s: AsyncSession,
        programme_id: int,
        mentor_id: int,
        mentee_id: int,
        *,
        origin: PairingOrigin,
        created_by: int | None,
        insist: bool,
        reasons: tuple[Reason, ...],
        score: float | None,
    ) -> Pairing:
        """Form a pair inside an open write session, enforcing every rule, with its intros.

        Raises:
            PairingRefused: when a rule forbids the pair.
        """
        wanted = NewPair(mentor_id, mentee_id, reasons=reasons, score=score, insist=insist)
        (outcome,) = await self.form_many_in(
            s, programme_id, [wanted], origin=origin, created_by=created_by
        )
        if isinstance(outcome, Refusal):
            raise PairingRefused(outcome)
        return outcome

    async def form_many_in(
        self,
        s: AsyncSession,
        programme_id: int,
        wanted: Sequence[NewPair],
        *,
        origin: PairingOrigin,
        created_by: int | None,
    ) -> list[Pairing | Refusal]:
        """Form pairs of one programme inside an open write session, in order, each checked
        against every rule as the earlier ones left things (a mentee given twice gets the
        first mentor; a mentor's places are counted down), each introduced to both sides.

        The rules are checked on facts read for all the pairs at once (``_PairFacts``: a
        handful of statements whatever their number), the mentors' profile rows locked
        (PostgreSQL; SQLite has one writer anyway) so that no concurrent pairing takes the
        same place; the pairs are then written together. Should another transaction pair one
        of these mentees meanwhile (the unique index on active mentees), nothing of this
        attempt is kept and the pairs are formed one at a time instead.

        Returns:
            For each pair in order, the new ``Pairing`` or the ``Refusal`` that forbade it.
        """
        if not wanted:
            return []
        now = self._clock.now()
        facts = await _PairFacts.load(s, programme_id, wanted)
        outcomes: list[Refusal | None] = []
        for pair in wanted:
            refusal = facts.refusal(pair, now.date())
            if refusal is None:
                facts.take(pair)
            outcomes.append(refusal)
        taken = [pair for pair, outcome in zip(wanted, outcomes, strict=True) if outcome is None]
        if not taken:  # every one refused
            return [refusal for refusal in outcomes if refusal is not None]
        rows = [
            {
                "programme_id": programme_id,
                "mentor_id": pair.mentor_id,
                "mentee_id": pair.mentee_id,
                "status": PairingStatus.ACTIVE,
                "origin": origin,
                "score": pair.score,
                "reasons": _reasons_json(pair.reasons),
                "created_by": created_by,
                "started_at": now,
            }
            for pair in taken
        ]
        try:
            async with s.begin_nested():
                # One statement for all of them; the ORM would insert one row at a time on
                # SQLite to learn each id. The ids are read back below instead.
                await s.execute(insert(Pairing), rows)
        except IntegrityError:
            # The unique index caught a concurrent pairing of one of these mentees.
            if len(wanted) == 1:
                return [Refusal.HAS_MENTOR]
            return [
                outcome
                for pair in wanted
                for outcome in await self.form_many_in(
                    s, programme_id, [pair], origin=origin, created_by=created_by
                )
            ]
        # A mentee has one active pair per programme (the unique index): these are the new ones.
        new = {
            pairing.mentee_id: pairing
            for pairing in await s.scalars(
                select(Pairing).where(
                    Pairing.programme_id == programme_id,
                    Pairing.mentee_id.in_([pair.mentee_id for pair in taken]),
                    Pairing.status == PairingStatus.ACTIVE,
                )
            )
        }
        programme = await s.get(Programme, programme_id)
        assert programme is not None
        settings = ProgrammeSettings.from_json(programme.settings)
        intros = []
        for n, pair in enumerate(taken, 1):
            pairing = new[pair.mentee_id]
            mentor, mentee = facts.people[pair.mentor_id], facts.people[pair.mentee_id]
            intros += _introductions(pairing, mentor, mentee, facts.profiles, settings)
            if n % 50 == 0:
                await asyncio.sleep(0)  # a big batch renders for a while: let updates through
        await enqueue_rows(s, intros)
        return [
            outcome or new[pair.mentee_id] for pair, outcome in zip(wanted, outcomes, strict=True)
        ]
        return outcomes

    async def _check_members(
        self, s: AsyncSession, programme_id: int, mentor_id: int, mentee_id: int
    ) -> None:
        roles = await _active_roles(s, programme_id, (mentor_id, mentee_id))
        if not _members_in_roles(roles, mentor_id, mentee_id):
            raise PairingRefused(Refusal.NOT_MEMBERS)

    async def end(
        self, by_telegram_id: int, pairing_id: int, *, reason: str, rating: int | None
    ) -> EndedPair:
        """End a pair: either side, or a coordinator of its programme. The other side is told,
        and the mentee is offered a new match by the programme's pairing mode (see
        ``MatchOffer``): through the outbox, or in ``offer`` when they ended it themselves.

        ``rating`` (1–5, or None when skipped) is the view of whoever ends it.

        Raises:
            PairingRefused: ``not_yours`` for anyone else (the pair's existence is not
                revealed), ``already_ended``, ``bad_rating``.
        """
        if rating is not None and not 1 <= rating <= 5:
            raise PairingRefused(Refusal.BAD_RATING)
        async with self._db.session() as s:
            # The row lock (PostgreSQL) makes a double tap's second ending see the first.
            pairing, person_id, role = await self._ender_in(s, by_telegram_id, pairing_id, True)
            if role == Role.COORDINATOR:
                audit(s, pairing.programme_id, person_id, "unpair", pairing.mentee_id)
            pairing.status = PairingStatus.ENDED
            pairing.ended_at = self._clock.now()
            pairing.ended_by = person_id
            pairing.end_reason = reason.strip()[:500] or None
            pairing.end_rating = rating
            await s.flush()  # the history that keeps the previous mentor out of the offer
            offer = await self._offer_in(s, pairing)
            for other_id in (pairing.mentor_id, pairing.mentee_id):
                if other_id != person_id:
                    await tell_pair_ended(s, pairing, other_id, offer=offer)
            if person_id == pairing.mentee_id:
                await _tell_coordinators_waiting(s, pairing, offer)
            view = await _pair_view(s, pairing)
            return EndedPair(**vars(view), ended_by=role, offer=offer)

    async def ending_role(self, by_telegram_id: int, pairing_id: int) -> Role:
        """The part this person may end an active pair as: its mentor, its mentee, or a
        coordinator of its programme (nothing is written).

        Raises:
            PairingRefused: ``not_yours``, ``already_ended`` (as ``end`` would).
        """
        async with self._db.read() as s:
            _, _, role = await self._ender_in(s, by_telegram_id, pairing_id, False)
            return role

    async def _ender_in(
        self, s: AsyncSession, by_telegram_id: int, pairing_id: int, lock: bool
    ) -> tuple[Pairing, int, Role]:
        """An active pair, the person who may end it and their part in it."""
        person_id = await acting_person_id(s, by_telegram_id)
        pairing = await s.get(Pairing, pairing_id, with_for_update=lock)
        if pairing is None:
            raise PairingRefused(Refusal.NOT_YOURS)
        if person_id in (pairing.mentor_id, pairing.mentee_id):
            role = Role.MENTEE if person_id == pairing.mentee_id else Role.MENTOR
        else:
            is_coordinator = await s.scalar(
                select(Membership.id).where(
                    Membership.person_id == person_id,
                    Membership.programme_id == pairing.programme_id,
                    Membership.role == Role.COORDINATOR,
                )
            )
            if is_coordinator is None:
                raise PairingRefused(Refusal.NOT_YOURS)
            role = Role.COORDINATOR
        if pairing.status == PairingStatus.ENDED:
            raise PairingRefused(Refusal.ALREADY_ENDED)
        return pairing, person_id, role

    async def _offer_in(self, s: AsyncSession, pairing: Pairing) -> MatchOffer:
        """The ended pair's mentee's next step: up to three mentors to ask in a mentee-choice
        programme (suggestions never include an earlier mentor), else the waiting list."""
        offer = await _offer_without_suggestions(s, pairing)
        if offer.state != "find":
            return offer
        _, best = await self.suggest_in(s, pairing.programme_id, pairing.mentee_id)
        if not best:
            return replace(offer, state="nobody")
        return replace(offer, state="choose", suggestions=tuple(best))

    async def previous_pair(
        self, by_telegram_id: int, programme_id: int, mentor_id: int, mentee_id: int
    ) -> PreviousPair:
        """How the last pair of these two ended, for a coordinator asked to insist.

        Raises:
            NotCoordinator: when the caller does not coordinate this programme.
            PairingRefused: ``not_members`` unless they are a mentor and a mentee of it.
        """
        async with self._db.read() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            await self._check_members(s, programme_id, mentor_id, mentee_id)
            both = Person.id.in_((mentor_id, mentee_id))
            cards = {c.person_id: c for c in await self._cards(s, both)}
            last = await s.scalar(
                select(Pairing)
                .where(
                    Pairing.mentor_id == mentor_id,
                    Pairing.mentee_id == mentee_id,
                    Pairing.status == PairingStatus.ENDED,
                )
                .order_by(Pairing.ended_at.desc(), Pairing.id.desc())
                .limit(1)
            )
            ended = last.ended_at if last is not None else None
            return PreviousPair(
                programme_id,
                cards[mentor_id],
                cards[mentee_id],
                ended.date() if ended is not None else None,
                last.end_reason if last is not None else None,
                last.end_rating if last is not None else None,
            )

    async def previous_mentors(
        self, by_telegram_id: int, programme_id: int, mentee_id: int
    ) -> list[MemberCard]:
        """The programme's mentors this mentee was paired with before: suggestions leave them
        out, so a coordinator who means to pair them again picks them here.

        Raises:
            NotCoordinator: when the caller does not coordinate this programme.
        """
        async with self._db.read() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            before = select(Pairing.mentor_id).where(
                Pairing.mentee_id == mentee_id, Pairing.status == PairingStatus.ENDED
            )
            return await self._cards(
                s,
                _in_role(programme_id, Role.MENTOR),
                Person.status != PersonStatus.DELETED,
                Person.id.in_(before),
            )

    async def pairs_of(self, telegram_id: int, *, as_role: Role) -> list[PairView]:
        """The active pairs where this person is the mentor (or the mentee).

        One statement: the person is matched by Telegram id inside the join, so ``/mymentor``
        and ``/mymentees`` cost the same whatever the number of mentees.
        """
        query = _PAIRS_OF[Role.MENTOR if as_role == Role.MENTOR else Role.MENTEE]
        async with self._db.read() as s:
            return await _pair_views(s, query, {"telegram_id": telegram_id})

    async def programme_pairs(self, by_telegram_id: int, programme_id: int) -> list[PairView]:
        """The active pairs of a programme, for its coordinators."""
        async with self._db.read() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            return await _pair_views(s, _PROGRAMME_PAIRS, {"programme_id": programme_id})

    async def set_away(self, telegram_id: int, until: date | None) -> None:
        """A mentor is away until ``until`` (inclusive); None means back now."""
        async with self._db.session() as s:
            person_id = await active_person_id(s, telegram_id)
            profile = await s.get(Profile, person_id)
            if profile is not None:
                profile.away_until = until
                profile.updated_at = self._clock.now()

    # -- choosing pairs ---------------------------------------------------------------------

    async def waiting_mentees(self, by_telegram_id: int, programme_id: int) -> list[MemberCard]:
        """Mentees of the programme without an active mentor there, oldest members first."""
        async with self._db.read() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            rows = await s.execute(
                select(Person.id, Person.display_name, Profile.field)
                .join(Membership, Membership.person_id == Person.id)
                .outerjoin(Profile, Profile.person_id == Person.id)
                .where(
                    Membership.programme_id == programme_id,
                    Membership.role == Role.MENTEE,
                    _waiting(programme_id),
                )
                .order_by(Membership.joined_at, Person.id)
            )
            return [MemberCard(pid, name or "—", field) for pid, name, field in rows]

    async def suggestions(
        self, by_telegram_id: int, programme_id: int, mentee_id: int, *, limit: int = 3
    ) -> tuple[MemberCard, list[Suggestion]]:
        """The best mentors of the programme for one of its mentees, with their reasons."""
        async with self._db.read() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            return await self.suggest_in(s, programme_id, mentee_id, limit=limit)

    async def suggest_in(
        self, s: AsyncSession, programme_id: int, mentee_id: int, *, limit: int = 3
    ) -> tuple[MemberCard, list[Suggestion]]:
        """Suggestions inside an open session; callers check who may see them."""
        await self.check_role(s, programme_id, mentee_id, Role.MENTEE, active=True)
        programme = await s.get(Programme, programme_id)
        assert programme is not None
        weights = Weights.from_settings(ProgrammeSettings.from_json(programme.settings).weights)
        mentee, mentee_card = await self._candidate(s, mentee_id)
        mentors = list((await self._members(s, programme_id, Role.MENTOR)).values())
        constraints = await _constraints(s, programme_id, {mentee_id})
        best = suggest(mentee, [c for c, _ in mentors], weights, constraints, limit=limit)
        found = {card.person_id: (candidate, card) for candidate, card in mentors}
        rows = await s.execute(
            select(Profile.person_id, Profile.bio).where(
                Profile.person_id.in_([mid for mid, _ in best])
            )
        )
        bios: dict[int, str | None] = {person_id: bio for person_id, bio in rows}
        return mentee_card, [
            Suggestion(
                found[mid][1],
                score,
                stage=found[mid][0].stage,
                languages=tuple(sorted(found[mid][0].languages)),
                bio=bios.get(mid),
            )
            for mid, score in best
        ]

    async def propose_batch(self, by_telegram_id: int, programme_id: int) -> BatchProposal:
        """The best whole-programme assignment for every waiting mentee (nothing is saved)."""
        async with self._db.read() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            return await self._proposal_in(s, programme_id)

    async def _proposal_in(self, s: AsyncSession, programme_id: int) -> BatchProposal:
        mentees = await self._candidates(s, _waiting(programme_id))
        if not mentees:
            return BatchProposal(programme_id, (), ())
        programme = await s.get(Programme, programme_id)
        assert programme is not None
        weights = Weights.from_settings(ProgrammeSettings.from_json(programme.settings).weights)
        mentors = await self._members(s, programme_id, Role.MENTOR)
        constraints = await _constraints(s, programme_id)
        # Seconds of CPU for a large programme: off the event loop, so updates keep flowing.
        result = await asyncio.to_thread(
            match_batch,
            [c for c, _ in mentors.values()],
            [c for c, _ in mentees.values()],
            weights,
            constraints,
        )
        pairs = tuple(
            ProposedPair(mentors[p.mentor_id][1], mentees[p.mentee_id][1], p.score)
            for p in sorted(result.pairs, key=lambda p: -p.score.value)
        )
        unmatched = tuple((mentees[mid][1], why) for mid, why in sorted(result.unmatched.items()))
        return BatchProposal(programme_id, pairs, unmatched)

    async def batch_sweep(self) -> int:
        """Automatic batch programmes whose time has come: match every waiting mentee.

        Each due programme is claimed with a short lease (``next_batch_at`` moves
        ``BATCH_LEASE`` ahead), so a crash mid-run means a retry minutes later, not a lost day;
        the optimal assignment is computed outside any write transaction, and the pairs are
        formed a chunk at a time (``_form_chunked``), every rule checked again (a pair formed by
        a run that crashed is simply refused as ``has_mentor`` the next time).
        Then the next run is a day away, whatever the downtime was; when pairs were formed the
        coordinators get one summary. Returns how many pairs were formed.
        """
        now = self._clock.now()
        async with self._db.read() as s:
            due = list(
                await s.scalars(
                    select(Programme.id)
                    .where(Programme.next_batch_at <= now)
                    .order_by(Programme.next_batch_at)
                )
            )
        formed = 0
        for programme_id in due:
            formed += await self._run_batch(programme_id, now)
        return formed

    async def _run_batch(self, programme_id: int, now: datetime) -> int:
        async with self._db.session() as s:
            programme = await s.get(Programme, programme_id, with_for_update=True)
            next_at = programme.next_batch_at if programme is not None else None
            if programme is None or next_at is None or next_at > now:
                return 0  # another process took it, or the mode changed meanwhile
            if ProgrammeSettings.from_json(programme.settings).pairing_mode != "batch":
                programme.next_batch_at = None
                return 0
            programme.next_batch_at = now + BATCH_LEASE
            name = programme.name
        async with self._db.read() as s:
            proposal = await self._proposal_in(s, programme_id)
        formed, refused = await self._form_chunked(
            programme_id,
            [(p.mentor.person_id, p.mentee.person_id, p.score) for p in proposal.pairs],
            by_telegram_id=None,
        )
        async with self._db.session() as s:
            programme = await s.get(Programme, programme_id, with_for_update=True)
            if programme is not None and programme.next_batch_at is not None:  # still batch
                programme.next_batch_at = now + BATCH_EVERY
            if formed:  # a quiet day says nothing; /match shows who waits and why
                await tell_coordinators(
                    s,
                    programme_id,
                    "match.auto_done",
                    f"batch:{programme_id}:{now.isoformat()}",
                    now,
                    kind="batch_summary",
                    programme=name,
                    formed=formed,
                    waiting=len(proposal.unmatched) + len(refused),
                )
            audit(s, programme_id, None, "match_auto", None, {"formed": formed}, now=now)
        return formed

    async def describe_batch(
        self,
        by_telegram_id: int,
        programme_id: int,
        pairs: list[tuple[int, int]],
        unmatched: list[tuple[int, str]],
    ) -> BatchProposal:
        """A proposal the coordinator has edited, scored again (nothing is saved).

        Args:
            by_telegram_id: The coordinator.
            programme_id: The programme.
            pairs: ``(mentor_id, mentee_id)`` as they stand now.
            unmatched: ``(mentee_id, reason code)`` for the mentees left without a mentor.

        Raises:
            NotCoordinator: The person does not coordinate this programme.
        """
        async with self._db.read() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            ids = {pid for pair in pairs for pid in pair} | {mid for mid, _ in unmatched}
            found = await self._candidates(s, Person.id.in_(ids))
            proposed = []
            for mentor_id, mentee_id in pairs:
                fit = await self.score_in(s, programme_id, mentor_id, mentee_id)
                if fit is not None:
                    proposed.append(ProposedPair(found[mentor_id][1], found[mentee_id][1], fit))
            left = tuple((found[mid][1], code) for mid, code in unmatched if mid in found)
            return BatchProposal(programme_id, tuple(proposed), left)

    async def apply_batch(
        self, by_telegram_id: int, programme_id: int, pairs: list[tuple[int, int]]
    ) -> tuple[int, list[tuple[MemberCard, MemberCard, str]]]:
        """Form the approved pairs; any a rule now forbids is skipped and reported.

        Returns:
            How many pairs were formed, and ``(mentor, mentee, refusal code)`` for those
            skipped.

        Raises:
            NotCoordinator: when the caller does not coordinate this programme (nothing is
                formed); checked again for every chunk of pairs.
        """
        formed, refused = await self._form_chunked(
            programme_id, [(a, b, None) for a, b in pairs], by_telegram_id=by_telegram_id
        )
        async with self._db.session() as s:
            coordinator_id = await require_coordinator(s, by_telegram_id, programme_id)
            audit(s, programme_id, coordinator_id, "match_approve", None, {"formed": formed})
            ids = {person_id for pair in refused for person_id in pair[:2]}
            cards = {card.person_id: card for card in await self._cards(s, Person.id.in_(ids))}
        skipped = [
            (cards[mentor_id], cards[mentee_id], code)
            for mentor_id, mentee_id, code in refused
            if mentor_id in cards and mentee_id in cards
        ]
        return formed, skipped

    async def _form_chunked(
        self,
        programme_id: int,
        pairs: Sequence[tuple[int, int, Score | None]],
        *,
        by_telegram_id: int | None,
    ) -> tuple[int, list[tuple[int, int, str]]]:
        """Form many pairs of one programme, ``BATCH_CHUNK`` per transaction.

        A whole programme's pairs in one transaction would hold SQLite's single writer (and
        the mentors' rows on PostgreSQL) for as long as they take; in chunks, people keep
        being answered meanwhile. Every pair goes through ``form_in``, so each rule is
        checked as it stands at that moment; a pair given without a score is scored first.
        A coordinator (``by_telegram_id``) must still coordinate the programme at every chunk;
        None forms them as the automatic batch.

        Returns:
            How many were formed, and ``(mentor_id, mentee_id, refusal)`` for the others.
        """
        formed, refused = 0, []
        for start in range(0, len(pairs), BATCH_CHUNK):
            chunk = pairs[start : start + BATCH_CHUNK]
            async with self._db.session() as s:
                created_by = (
                    None
                    if by_telegram_id is None
                    else await require_coordinator(s, by_telegram_id, programme_id)
                )
                unscored = [(a, b) for a, b, fit in chunk if fit is None]
                fits = await self.scores_in(s, programme_id, unscored) if unscored else {}
                wanted = []
                for mentor_id, mentee_id, given in chunk:
                    fit = given or fits.get((mentor_id, mentee_id))
                    wanted.append(
                        NewPair(
                            mentor_id,
                            mentee_id,
                            reasons=fit.reasons if fit else (),
                            score=fit.value if fit else None,
                        )
                    )
                outcomes = await self.form_many_in(
                    s, programme_id, wanted, origin=PairingOrigin.BATCH, created_by=created_by
                )
                for pair, outcome in zip(wanted, outcomes, strict=True):
                    if isinstance(outcome, Refusal):
                        refused.append((pair.mentor_id, pair.mentee_id, outcome.value))
                    else:
                        formed += 1
        return formed, refused

    async def score_in(
        self, s: AsyncSession, programme_id: int, mentor_id: int, mentee_id: int
    ) -> Score | None:
        """The engine's score for one pair (None when a hard rule forbids it)."""
        fits = await self.scores_in(s, programme_id, [(mentor_id, mentee_id)])
        return fits.get((mentor_id, mentee_id))

    async def scores_in(
        self, s: AsyncSession, programme_id: int, pairs: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], Score]:
        """The engine's score for each ``(mentor_id, mentee_id)`` a hard rule allows; the
        profiles, places and history read once for all of them."""
        programme = await s.get(Programme, programme_id)
        if programme is None:
            return {}
        weights = Weights.from_settings(ProgrammeSettings.from_json(programme.settings).weights)
        ids = {person_id for pair in pairs for person_id in pair}
        found = await self._candidates(s, Person.id.in_(ids))
        constraints = await _constraints(s, programme_id, {b for _, b in pairs})
        fits = {}
        for mentor_id, mentee_id in pairs:
            if mentor_id in found and mentee_id in found:
                fit = score(found[mentor_id][0], found[mentee_id][0], weights, constraints)
                if fit is not None:
                    fits[mentor_id, mentee_id] = fit
        return fits

    async def check_role(
        self, s: AsyncSession, programme_id: int, person_id: int, role: Role, *, active: bool
    ) -> None:
        """Refuse (``not_members``) unless the person is a member of the programme in ``role``;
        with ``active``, one whose membership a coordinator has not deactivated."""
        member = await s.scalar(
            select(Membership.id).where(
                Membership.programme_id == programme_id,
                Membership.person_id == person_id,
                Membership.role == role,
                *([Membership.deactivated_at.is_(None)] if active else []),
            )
        )
        if member is None:
            raise PairingRefused(Refusal.NOT_MEMBERS)

    async def _candidate(self, s: AsyncSession, person_id: int) -> tuple[Candidate, MemberCard]:
        found = await self._candidates(s, Person.id == person_id)
        return found[person_id]

    async def _members(
        self, s: AsyncSession, programme_id: int, role: Role
    ) -> dict[int, tuple[Candidate, MemberCard]]:
        members = select(Membership.person_id).where(
            Membership.programme_id == programme_id,
            Membership.role == role,
            Membership.deactivated_at.is_(None),
        )
        return await self._candidates(s, Person.id.in_(members))

    async def _candidates(
        self, s: AsyncSession, which: ColumnElement[bool]
    ) -> dict[int, tuple[Candidate, MemberCard]]:
        """Engine candidates for the people matching ``which``: two queries, whatever the size.

        Plain columns rather than ORM objects (far less work for a big programme), converted
        ``_YIELD_EVERY`` rows at a time with a turn for the event loop in between: updates keep
        flowing meanwhile.
        """
        now = self._clock.now()
        loads: dict[int, int] = {
            mentor_id: int(count)
            for mentor_id, count in await s.execute(
                select(Pairing.mentor_id, func.count())
                .join(Person, Person.id == Pairing.mentor_id)
                .where(which, Pairing.status == PairingStatus.ACTIVE)
                .group_by(Pairing.mentor_id)
            )
        }
        # Core, not ORM, execution: the ORM converts every row before returning (over 100 ms
        # of a blocked event loop for a programme of 5,000); Core converts them as read.
        await s.flush()  # Core reads skip the ORM's autoflush: this one must see pending changes
        connection = await s.connection()
        rows = await connection.execute(
            select(
                Person.id,
                Person.display_name,
                Person.timezone,
                Person.status,
                Profile.field,
                Profile.stage,
                Profile.interests,
                Profile.languages,
                Profile.capacity,
                Profile.away_until,
            )
            .outerjoin(Profile, Profile.person_id == Person.id)
            .where(which)
        )
        # A programme has many people and few zones: each zone's offset is worked out once.
        offset = functools.cache(functools.partial(utc_offset_hours, now=now))
        found = {}
        for partition in rows.partitions(_YIELD_EVERY):
            for row in partition:
                found[row.id] = _candidate_of(row, loads, offset, now)
            await asyncio.sleep(0)
        return found

    # -- exclusions -------------------------------------------------------------------------

    async def members(
        self, by_telegram_id: int, programme_id: int, role: Role
    ) -> list[MemberCard]:
        """The onboarded members of a programme in one role, for a coordinator to pick from."""
        async with self._db.read() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            return await self._cards(
                s, _in_role(programme_id, role), Person.onboarded_at.is_not(None)
            )

    async def mentors_to_exclude(
        self, by_telegram_id: int, programme_id: int, mentee_id: int
    ) -> tuple[MemberCard, list[MemberCard]]:
        """A mentee of the programme, and its mentors not excluded for that mentee yet.

        Raises:
            NotCoordinator: when the caller does not coordinate this programme.
            PairingRefused: ``not_members`` when ``mentee_id`` is no mentee of it.
        """
        async with self._db.read() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            await self.check_role(s, programme_id, mentee_id, Role.MENTEE, active=False)
            [mentee] = await self._cards(s, Person.id == mentee_id)
            excluded = select(PairingExclusion.mentor_id).where(
                PairingExclusion.programme_id == programme_id,
                PairingExclusion.mentee_id == mentee_id,
            )
            mentors = await self._cards(
                s,
                _in_role(programme_id, Role.MENTOR),
                Person.onboarded_at.is_not(None),
                Person.id.not_in(excluded),
            )
            return mentee, mentors

    async def exclusion_preview(
        self, by_telegram_id: int, programme_id: int, mentor_id: int, mentee_id: int
    ) -> Exclusion:
        """What ``exclude`` would save, for the coordinator to confirm (nothing is written).

        Raises:
            NotCoordinator: when the caller does not coordinate this programme.
            PairingRefused: ``not_members`` unless they are a mentor and a mentee of it.
        """
        async with self._db.read() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            return await self._exclusion_in(s, programme_id, mentor_id, mentee_id)

    async def exclude(
        self, by_telegram_id: int, programme_id: int, mentor_id: int, mentee_id: int
    ) -> Exclusion:
        """Never pair these two in this programme (saving it twice changes nothing).

        An active pair of the two is not ended: ending a pair tells both people, which is a
        decision the coordinator takes with ``/unpair``, not a side effect.

        Raises:
            NotCoordinator: when the caller does not coordinate this programme.
            PairingRefused: ``not_members`` unless they are a mentor and a mentee of it.
        """
        async with self._db.session() as s:
            coordinator_id = await require_coordinator(s, by_telegram_id, programme_id)
            exclusion = await self._exclusion_in(s, programme_id, mentor_id, mentee_id)
            key = (programme_id, mentor_id, mentee_id)
            if await s.get(PairingExclusion, key, with_for_update=True) is None:
                s.add(
                    PairingExclusion(
                        programme_id=programme_id,
                        mentor_id=mentor_id,
                        mentee_id=mentee_id,
                        created_by=coordinator_id,
                        created_at=self._clock.now(),
                    )
                )
                try:
                    async with s.begin_nested():
                        await s.flush()
                except IntegrityError:
                    pass  # a double tap saved it a moment ago: the wish holds all the same
            audit(s, programme_id, coordinator_id, "exclude", mentee_id, {"mentor": mentor_id})
            return exclusion

    async def exclusions(self, by_telegram_id: int, programme_id: int) -> ExclusionList:
        """The programme's exclusions, for its coordinators.

        Raises:
            NotCoordinator: when the caller does not coordinate this programme.
        """
        async with self._db.read() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            return await self._exclusion_list(s, programme_id)

    async def remove_exclusion(
        self, by_telegram_id: int, programme_id: int, mentor_id: int, mentee_id: int
    ) -> tuple[bool, ExclusionList]:
        """Let these two be paired again.

        Returns:
            Whether there was such an exclusion to remove, and the programme's exclusions now.

        Raises:
            NotCoordinator: when the caller does not coordinate this programme.
        """
        async with self._db.session() as s:
            await require_coordinator(s, by_telegram_id, programme_id)
            found = await s.get(PairingExclusion, (programme_id, mentor_id, mentee_id))
            if found is not None:
                await s.delete(found)
                await s.flush()
            return found is not None, await self._exclusion_list(s, programme_id)

    async def _exclusion_in(
        self, s: AsyncSession, programme_id: int, mentor_id: int, mentee_id: int
    ) -> Exclusion:
        await self._check_members(s, programme_id, mentor_id, mentee_id)
        programme = await s.get(Programme, programme_id)
        assert programme is not None  # the memberships just checked point at it
        cards = {
            c.person_id: c for c in await self._cards(s, Person.id.in_((mentor_id, mentee_id)))
        }
        paired = await s.scalar(
            select(Pairing.id).where(
                Pairing.programme_id == programme_id,
                Pairing.mentor_id == mentor_id,
                Pairing.mentee_id == mentee_id,
                Pairing.status == PairingStatus.ACTIVE,
            )
        )
        return Exclusion(
            programme.id, programme.name, cards[mentor_id], cards[mentee_id], paired is not None
        )

    async def _exclusion_list(self, s: AsyncSession, programme_id: int) -> ExclusionList:
        programme = await s.get(Programme, programme_id)
        assert programme is not None
        rows = (
            await s.execute(
                select(PairingExclusion.mentor_id, PairingExclusion.mentee_id)
                .where(PairingExclusion.programme_id == programme_id)
                .order_by(PairingExclusion.created_at, PairingExclusion.mentee_id)
            )
        ).all()
        ids = {i for row in rows for i in row}
        cards = {c.person_id: c for c in await self._cards(s, Person.id.in_(ids))}
        active = set(
            (
                await s.execute(
                    select(Pairing.mentor_id, Pairing.mentee_id).where(
                        Pairing.programme_id == programme_id,
                        Pairing.status == PairingStatus.ACTIVE,
                        Pairing.mentee_id.in_([mentee for _, mentee in rows]),
                    )
                )
            ).tuples()
        )
        exclusions = tuple(
            Exclusion(
                programme.id,
                programme.name,
                cards[mentor],
                cards[mentee],
                (mentor, mentee) in active,
            )
            for mentor, mentee in rows
        )
        return ExclusionList(programme.id, programme.name, exclusions)

    async def _cards(self, s: AsyncSession, *which: ColumnElement[bool]) -> list[MemberCard]:
        """Name and field of the people matching ``which``, by id; never contact details."""
        rows = await s.execute(
            select(Person.id, Person.display_name, Profile.field)
            .outerjoin(Profile, Profile.person_id == Person.id)
            .where(*which)
            .order_by(Person.id)
        )
        return [MemberCard(pid, name or "—", field) for pid, name, field in rows]


def _waiting(programme_id: int) -> ColumnElement[bool]:
    """People who wait for a mentor in the programme: active, onboarded mentees (membership
    not deactivated) without an active pair there."""
    mentees = select(Membership.person_id).where(
        Membership.programme_id == programme_id,
        Membership.role == Role.MENTEE,
        Membership.deactivated_at.is_(None),
    )
    paired = select(Pairing.mentee_id).where(
        Pairing.programme_id == programme_id, Pairing.status == PairingStatus.ACTIVE
    )
    return and_(
        Person.id.in_(mentees),
        Person.status == PersonStatus.ACTIVE,
        Person.onboarded_at.is_not(None),
        Person.id.not_in(paired),
    )


def _in_role(programme_id: int, role: Role) -> ColumnElement[bool]:
    """People who are members of the programme in ``role``."""
    return Person.id.in_(
        select(Membership.person_id).where(
            Membership.programme_id == programme_id, Membership.role == role
        )
    )


async def _constraints(
    s: AsyncSession, programme_id: int, mentee_ids: Collection[int] | None = None
) -> Constraints:
    """Exclusions and earlier pairs, read only for the mentees concerned.

    History counts across programmes (the same two people are never re-paired), but only for
    this programme's mentees — or the ``mentee_ids`` being matched — so the read does not grow
    with every pair that ever existed anywhere.
    """
    mentees: Collection[int] | Select[tuple[int]] = (
        select(Membership.person_id).where(
            Membership.programme_id == programme_id, Membership.role == Role.MENTEE
        )
        if mentee_ids is None
        else sorted(mentee_ids)
    )
    excluded = await s.execute(
        select(PairingExclusion.mentor_id, PairingExclusion.mentee_id).where(
            PairingExclusion.programme_id == programme_id,
            PairingExclusion.mentee_id.in_(mentees),
        )
    )
    previous = await s.execute(
        select(Pairing.mentor_id, Pairing.mentee_id).where(
            Pairing.status == PairingStatus.ENDED, Pairing.mentee_id.in_(mentees)
        )
    )
    return Constraints(
        excluded=frozenset((a, b) for a, b in excluded),
        previous=frozenset((a, b) for a, b in previous),
    )


def _introductions(
    pairing: Pairing,
    mentor: Person,
    mentee: Person,
    profiles: Mapping[int, Profile],
    settings: ProgrammeSettings,
) -> list[dict[str, Any]]:
    """Each side's introduction as an outbox row, in their own language: who the other is (their
    card, never a username or phone number), why these two, how questions travel and what
    to expect from the programme."""
    stored = _reasons_from_json(pairing.reasons)
    rows = []
    for me, other, side in ((mentee, mentor, "mentee"), (mentor, mentee, "mentor")):
        lang, name = me.language, other.display_name or "—"
        profile = profiles.get(other.id)
        lines = [t(lang, f"pair.intro.{side}", name=name)]
        if profile is not None:
            facts = facts_line(lang, profile.field, profile.stage, profile.languages)
            if facts:
                lines.append(t(lang, "pair.intro.facts", facts=facts))
            if bio := short_bio(profile.bio):
                lines.append(t(lang, "pair.intro.bio", bio=bio))
        if why := reason_text(lang, stored):
            lines.append(t(lang, "pair.intro.reasons", reasons=why))
        lines.append(t(lang, f"pair.intro.ask.{side}", name=name, reply=t(lang, "qa.reply")))
        cadence = t(lang, f"pair.intro.cadence.{settings.checkin_cadence}")
        lines.append(
            t(
                lang,
                f"pair.intro.expect.{side}",
                name=name,
                hours=settings.answer_hours,
                cadence=cadence,
            )
        )
        row = row_to(
            me,
            kind="pair_intro",
            payload={"text": "\n".join(lines)},
            dedupe_key=f"pair_intro:{pairing.id}:{me.id}",
            now=pairing.started_at,
        )
        if row is not None:
            rows.append(row)
    return rows


def _candidate_of(
    row: Row[Any], loads: Mapping[int, int], offset: Callable[[str], float], now: datetime
) -> tuple[Candidate, MemberCard]:
    """A person's engine candidate and card from their ``_candidates`` row."""
    candidate = Candidate(
        person_id=row.id,
        field=row.field,
        stage=row.stage,
        interests=frozenset(row.interests or ()),
        languages=frozenset(row.languages or ()),
        utc_offset_hours=offset(row.timezone) if row.timezone else 0.0,
        capacity_left=max((row.capacity or 0) - loads.get(row.id, 0), 0),
        available=row.status == PersonStatus.ACTIVE
        and (row.away_until is None or row.away_until < now.date()),
    )
    return candidate, MemberCard(row.id, row.display_name or "—", row.field)
