"""People and their programmes: consent, roles, the profile, language, pause, deletion.

Every public method is one unit of work (one transaction) and returns plain frozen dataclasses,
never ORM objects. Nothing here knows about Telegram beyond the numeric user id people are
known by.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.clock import Clock
from bot.services.checkins import plan_after_consent, plan_after_onboarding, replan
from bot.services.pairing import tell_pair_ended
from bot.services.profile import (
    CAPACITIES,
    HOURS,
    INTERESTS,
    QUIET_PRESETS,
    SPOKEN_LANGUAGES,
    Step,
    stages_for,
    steps_for,
)
from storage.database import Database
from storage.models import (
    CheckIn,
    ConversationDraft,
    ConversationState,
    Flag,
    Goal,
    GoalNote,
    GratitudeNote,
    GroupNotice,
    InviteCode,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Pairing,
    PairingStatus,
    Person,
    PersonStatus,
    Profile,
    Programme,
    Question,
    QuestionMessage,
    Role,
    Schedule,
)

_INVITE_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,32}")


class NotRegistered(Exception):
    """The person has not consented yet, or deleted their data."""


class InvalidChoice(Exception):
    """A value that is not among a step's choices (a forged or outdated button)."""


@dataclass(frozen=True)
class ProfileView:
    """A profile as handlers show it."""

    field: str | None
    stage: str | None
    interests: tuple[str, ...]
    languages: tuple[str, ...]
    bio: str | None
    capacity: int | None
    checkin_day: int | None
    checkin_hour: int | None
    quiet_start: int | None
    quiet_end: int | None


@dataclass(frozen=True)
class PersonView:
    """A person and what they are in their programmes."""

    id: int
    telegram_id: int
    display_name: str | None
    language: str
    timezone: str | None
    status: PersonStatus
    onboarded: bool
    roles: frozenset[Role]
    profile: ProfileView

    def answered(self, step: Step) -> bool:
        """Whether ``step`` already holds an answer."""
        p = self.profile
        return {
            Step.NAME: self.display_name is not None,
            Step.FIELD: p.field is not None,
            Step.STAGE: p.stage is not None,
            Step.INTERESTS: bool(p.interests),
            Step.LANGUAGES: bool(p.languages),
            Step.BIO: p.bio is not None,
            Step.CAPACITY: p.capacity is not None,
            Step.TIMEZONE: self.timezone is not None,
            Step.DAY: p.checkin_day is not None,
            Step.HOUR: p.checkin_hour is not None,
            Step.QUIET: p.quiet_start is not None,
        }[step]

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps this person's profile has, given their roles."""
        return steps_for(self.roles)

    def next_step(self) -> Step | None:
        """The first unanswered step, or None when the profile is complete."""
        return next((s for s in self.steps if not self.answered(s)), None)

    @property
    def is_coordinator(self) -> bool:
        """True for coordinators of any programme."""
        return Role.COORDINATOR in self.roles


@dataclass(frozen=True)
class InviteView:
    """What an invite code opens."""

    code: str
    programme_id: int
    programme_name: str
    role: Role


@dataclass(frozen=True)
class ProgrammeView:
    """A programme, as services hand it around."""

    id: int
    name: str
    is_default: bool


def _profile_view(profile: Profile | None) -> ProfileView:
    if profile is None:
        return ProfileView(None, None, (), (), None, None, None, None, None, None)
    return ProfileView(
        field=profile.field,
        stage=profile.stage,
        interests=tuple(profile.interests),
        languages=tuple(profile.languages),
        bio=profile.bio,
        capacity=profile.capacity,
        checkin_day=profile.checkin_day,
        checkin_hour=profile.checkin_hour,
        quiet_start=profile.quiet_start,
        quiet_end=profile.quiet_end,
    )


def _view(person: Person) -> PersonView:
    assert person.telegram_id is not None
    return PersonView(
        id=person.id,
        telegram_id=person.telegram_id,
        display_name=person.display_name,
        language=person.language,
        timezone=person.timezone,
        status=person.status,
        onboarded=person.onboarded_at is not None,
        roles=frozenset(m.role for m in person.memberships),
        profile=_profile_view(person.profile),
    )


# The lookups every update makes, built once (building a select costs more CPU than running
# it) and run with the Telegram id as a parameter.
_PERSON = (
    select(Person)
    .where(Person.telegram_id == bindparam("telegram_id"))
    .options(joinedload(Person.profile), joinedload(Person.memberships))
)
_PERSON_AND_DRAFT = (
    select(Person, ConversationDraft.data)
    .outerjoin(ConversationDraft, ConversationDraft.user_id == Person.telegram_id)
    .where(Person.telegram_id == bindparam("telegram_id"))
    .options(joinedload(Person.profile), joinedload(Person.memberships))
)


class PeopleService:
    """Consent, onboarding answers, preferences and deletion for one person at a time."""

    def __init__(self, db: Database, clock: Clock, *, coordinator_ids: frozenset[int]) -> None:
        self._db = db
        self._clock = clock
        self._coordinator_ids = coordinator_ids

    # -- programmes ---------------------------------------------------------------------------

    async def ensure_default_programme(self, name: str) -> ProgrammeView:
        """The deployment's default programme, created on first start."""
        for _ in range(2):
            try:
                async with self._db.session() as s:
                    programme = await s.scalar(select(Programme).where(Programme.is_default))
                    if programme is None:
                        now = self._clock.now()
                        programme = Programme(
                            name=name, is_default=True, settings={}, created_at=now
                        )
                        s.add(programme)
                        await s.flush()
                        # Like any programme, one invite link per role (see /invites).
                        s.add_all(
                            InviteCode(
                                programme_id=programme.id,
                                role=role,
                                code=secrets.token_urlsafe(9),
                                active=True,
                                created_at=now,
                            )
                            for role in Role
                        )
                    return ProgrammeView(programme.id, programme.name, True)
            except IntegrityError:
                continue  # another process created it at the same moment: read theirs
        raise RuntimeError("could not create the default programme")

    async def find_invite(self, code: str) -> InviteView | None:
        """The programme and role an active invite code opens, or None."""
        if not _INVITE_SHAPE.fullmatch(code):  # what a t.me deep link can carry
            return None
        async with self._db.read() as s:
            row = (
                await s.execute(
                    select(InviteCode, Programme.name)
                    .join(Programme, Programme.id == InviteCode.programme_id)
                    .where(InviteCode.code == code, InviteCode.active)
                )
            ).first()
        if row is None:
            return None
        invite, programme_name = row
        return InviteView(invite.code, invite.programme_id, programme_name, invite.role)

    async def create_invite(self, programme_id: int, role: Role) -> str:
        """A new random invite code for ``role`` in the programme."""
        code = secrets.token_urlsafe(9)
        async with self._db.session() as s:
            s.add(
                InviteCode(
                    programme_id=programme_id,
                    role=role,
                    code=code,
                    active=True,
                    created_at=self._clock.now(),
                )
            )
        return code

    # -- people -------------------------------------------------------------------------------

    async def _load(self, s: AsyncSession, telegram_id: int) -> Person | None:
        # One round trip: the profile and memberships come joined to the person.
        result = await s.execute(_PERSON, {"telegram_id": telegram_id})
        return result.unique().scalar_one_or_none()

    async def _require(self, s: AsyncSession, telegram_id: int) -> Person:
        person = await self._load(s, telegram_id)
        if person is None or person.status == PersonStatus.DELETED:
            raise NotRegistered(telegram_id)
        return person

    async def lookup(self, telegram_id: int) -> PersonView | None:
        """The person behind a Telegram user id, or None before consent."""
        async with self._db.read() as s:
            person = await self._load(s, telegram_id)
            return _view(person) if person is not None else None

    async def lookup_with_draft(
        self, telegram_id: int
    ) -> tuple[PersonView | None, dict[str, Any]]:
        """The person and their conversation draft, read together in one statement.

        This runs on every onboarding update, so it is one SELECT (person, profile,
        memberships and draft joined), not one per table.
        """
        async with self._db.read() as s:
            result = await s.execute(_PERSON_AND_DRAFT, {"telegram_id": telegram_id})
            # One row per membership, all for the same person: keep the first.
            row = result.unique(lambda r: id(r[0])).first()
            if row is not None:
                person, data = row
                return _view(person), dict(data or {})
            draft = await s.get(ConversationDraft, telegram_id)
            return None, dict(draft.data) if draft is not None else {}

    async def consent(
        self, telegram_id: int, *, language: str, invite: InviteView | None
    ) -> PersonView:
        """Record consent and join: the invite's role, or coordinator for configured ids.

        Idempotent: a second consent (an old button pressed again) changes nothing but may
        add the membership of a new invite.
        """
        now = self._clock.now()
        async with self._db.session() as s:
            person = await self._load(s, telegram_id)
            if person is None:
                person = Person(
                    telegram_id=telegram_id,
                    language=language,
                    status=PersonStatus.ACTIVE,
                    consent_at=now,
                    created_at=now,
                    updated_at=now,
                    memberships=[],
                )
                person.profile = Profile(interests=[], languages=[], updated_at=now)
                s.add(person)
                await s.flush()
                await plan_after_consent(s, person.id, now)
            if invite is not None:
                await self._join(s, person, invite.programme_id, invite.role)
            if telegram_id in self._coordinator_ids:
                default = await self._default_programme_id(s)
                await self._join(s, person, default, Role.COORDINATOR)
            await s.flush()
            await s.refresh(person, ["memberships"])
            return _view(person)

    async def _default_programme_id(self, s: AsyncSession) -> int:
        programme_id = await s.scalar(select(Programme.id).where(Programme.is_default))
        if programme_id is None:
            raise RuntimeError("the default programme is missing: ensure_default_programme()")
        return programme_id

    async def _join(self, s: AsyncSession, person: Person, programme_id: int, role: Role) -> None:
        exists = await s.scalar(
            select(Membership.id).where(
                Membership.person_id == person.id,
                Membership.programme_id == programme_id,
                Membership.role == role,
            )
        )
        if exists is None:
            now = self._clock.now()
            s.add(
                Membership(
                    person_id=person.id, programme_id=programme_id, role=role, joined_at=now
                )
            )
            if person.onboarded_at is not None:  # a new role later on: its prompts too
                await s.flush()
                await plan_after_onboarding(s, person.id, [role], now)

    async def choose_role(self, telegram_id: int, role: Role) -> PersonView:
        """Join the default programme as mentee or mentor (people without an invite)."""
        if role not in (Role.MENTEE, Role.MENTOR):
            raise InvalidChoice(role)
        async with self._db.session() as s:
            person = await self._require(s, telegram_id)
            if not person.memberships:
                await self._join(s, person, await self._default_programme_id(s), role)
                await s.flush()
                await s.refresh(person, ["memberships"])
            return _view(person)

    async def answer(self, telegram_id: int, step: Step, value: Any) -> PersonView:
        """Store one profile answer, already validated for free text; choices are checked here.

        Raises:
            InvalidChoice: when a button's value is not one this person can pick.
            NotRegistered: when the person has not consented (or deleted their data).
        """
        async with self._db.session() as s:
            person = await self._require(s, telegram_id)
            profile = person.profile
            assert profile is not None
            roles = {m.role for m in person.memberships}
            now = self._clock.now()
            match step:
                case Step.NAME:
                    person.display_name = str(value)
                case Step.TIMEZONE:
                    person.timezone = str(value)
                case Step.FIELD:
                    profile.field = str(value)
                case Step.STAGE:
                    _require_choice(value, stages_for(roles))
                    profile.stage = value
                case Step.BIO:
                    profile.bio = str(value)
                case Step.CAPACITY:
                    _require_choice(value, CAPACITIES)
                    profile.capacity = value
                case Step.DAY:
                    _require_choice(value, range(7))
                    profile.checkin_day = value
                case Step.HOUR:
                    _require_choice(value, HOURS)
                    profile.checkin_hour = value
                case Step.QUIET:
                    _require_choice(value, QUIET_PRESETS)
                    profile.quiet_start, profile.quiet_end = value
                case Step.INTERESTS | Step.LANGUAGES:
                    raise InvalidChoice(step)  # multi-choice steps go through toggle()
            if step in (Step.TIMEZONE, Step.DAY, Step.HOUR, Step.QUIET) and person.onboarded_at:
                await replan(s, person.id, now)  # the next check-in moves with the setting
            # Touch only the row that changed: one UPDATE per answer, not two.
            if step in (Step.NAME, Step.TIMEZONE):
                person.updated_at = now
            else:
                profile.updated_at = now
            return _view(person)

    async def toggle(self, telegram_id: int, step: Step, key: str) -> PersonView:
        """Add or remove one interest or spoken language."""
        choices = {Step.INTERESTS: INTERESTS, Step.LANGUAGES: SPOKEN_LANGUAGES}.get(step)
        if choices is None or key not in choices:
            raise InvalidChoice(key)
        async with self._db.session() as s:
            person = await self._require(s, telegram_id)
            profile = person.profile
            assert profile is not None
            attribute = "interests" if step == Step.INTERESTS else "languages"
            current: list[str] = list(getattr(profile, attribute))
            current = [k for k in current if k != key] if key in current else [*current, key]
            # Keep the catalog's order so profiles read the same way everywhere.
            setattr(profile, attribute, [k for k in choices if k in current])
            person.updated_at = profile.updated_at = self._clock.now()
            return _view(person)

    async def finish_onboarding(self, telegram_id: int) -> PersonView:
        """Mark the profile complete (the first time only)."""
        async with self._db.session() as s:
            person = await self._require(s, telegram_id)
            if person.onboarded_at is None:
                person.onboarded_at = person.updated_at = self._clock.now()
                roles = [m.role for m in person.memberships]
                await plan_after_onboarding(s, person.id, roles, person.onboarded_at)
            return _view(person)

    async def set_language(self, telegram_id: int, language: str) -> PersonView:
        """Switch the language the bot speaks to this person."""
        async with self._db.session() as s:
            person = await self._require(s, telegram_id)
            person.language = language
            person.updated_at = self._clock.now()
            return _view(person)

    async def set_paused(self, telegram_id: int, paused: bool) -> PersonView:
        """Pause or resume scheduled prompts and new requests."""
        async with self._db.session() as s:
            person = await self._require(s, telegram_id)
            if person.status in (PersonStatus.ACTIVE, PersonStatus.PAUSED):
                person.status = PersonStatus.PAUSED if paused else PersonStatus.ACTIVE
                person.updated_at = self._clock.now()
            return _view(person)

    async def set_reachable(self, telegram_id: int, reachable: bool) -> None:
        """Record that the person blocked (or unblocked) the bot."""
        async with self._db.session() as s:
            person = await self._load(s, telegram_id)
            if person is None or person.status == PersonStatus.DELETED:
                return
            if not reachable:
                person.status = PersonStatus.BLOCKED
            elif person.status == PersonStatus.BLOCKED:
                person.status = PersonStatus.ACTIVE
            person.updated_at = self._clock.now()

    async def delete_personal_data(self, telegram_id: int) -> bool:
        """Erase everything that identifies the person; keep an anonymous membership record.

        Returns False when there was nothing to delete.
        """
        async with self._db.session() as s:
            await s.execute(
                delete(ConversationState).where(ConversationState.user_id == telegram_id)
            )
            await s.execute(
                delete(ConversationDraft).where(ConversationDraft.user_id == telegram_id)
            )
            person = await self._load(s, telegram_id)
            if person is None:
                return False
            await self._end_pairs_of(s, person)
            # Messages addressed to them hold their chat id and words meant for them.
            await s.execute(delete(OutboxMessage).where(OutboxMessage.person_id == person.id))
            # ... and their own words still on the way to someone else (a send in flight
            # may still arrive; its outcome is then simply not recorded).
            await s.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.status.not_in((OutboxStatus.SENT, OutboxStatus.FAILED)),
                    OutboxMessage.payload["sender"].as_integer() == person.id,
                )
            )
            await _delete_exchange_of(s, person.id)
            if person.profile is not None:
                await s.delete(person.profile)
            person.telegram_id = None
            person.display_name = None
            person.timezone = None
            person.consent_at = None
            person.onboarded_at = None
            person.status = PersonStatus.DELETED
            person.updated_at = self._clock.now()
            return True

    async def _end_pairs_of(self, s: AsyncSession, person: Person) -> None:
        """End the person's active pairs and tell each other side, kindly and without detail."""
        now = self._clock.now()
        pairings = await s.scalars(
            select(Pairing).where(
                Pairing.status == PairingStatus.ACTIVE,
                (Pairing.mentor_id == person.id) | (Pairing.mentee_id == person.id),
            )
        )
        for pairing in pairings:
            pairing.status = PairingStatus.ENDED
            pairing.ended_at, pairing.ended_by = now, person.id
            other_id = pairing.mentee_id if pairing.mentor_id == person.id else pairing.mentor_id
            await tell_pair_ended(s, pairing, other_id)

    async def claim_group_notice(self, chat_id: int) -> bool:
        """True exactly once per group chat: the first time it should be told about us."""
        async with self._db.session() as s:
            if await s.get(GroupNotice, chat_id) is not None:
                return False
            s.add(GroupNotice(chat_id=chat_id, notified_at=self._clock.now()))
            return True


async def _delete_exchange_of(s: AsyncSession, person_id: int) -> None:
    """What the person wrote or was written in the exchange: questions they asked (with
    their threads), their words in other threads, notes sent or received, their goals, their
    check-ins and schedules, and flags about them."""
    await s.execute(delete(Question).where(Question.mentee_id == person_id))
    await s.execute(delete(QuestionMessage).where(QuestionMessage.author_id == person_id))
    await s.execute(
        delete(GratitudeNote).where(
            (GratitudeNote.sender_id == person_id) | (GratitudeNote.recipient_id == person_id)
        )
    )
    await s.execute(delete(GoalNote).where(GoalNote.author_id == person_id))
    await s.execute(delete(Goal).where(Goal.mentee_id == person_id))
    await s.execute(delete(CheckIn).where(CheckIn.person_id == person_id))
    await s.execute(delete(Schedule).where(Schedule.person_id == person_id))
    await s.execute(delete(Flag).where(Flag.person_id == person_id))


def _require_choice(value: object, choices: Any) -> None:
    if value not in choices:
        raise InvalidChoice(value)
