"""Programmes: creating them, their invite links, their settings, and who coordinates them.

A coordinator's authority is always checked here, against the programme in question — never
inferred from a role in some other programme — so a coordinator of programme A cannot act on
programme B through any command or forged button.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import t
from bot.services.matching import Weights
from bot.services.outbox import PRIORITY_NOTICE, enqueue_once
from storage.database import Database
from storage.models import InviteCode, Membership, Person, PersonStatus, Programme, Role

PairingMode = Literal["coordinator", "choice", "batch"]
PAIRING_MODES: tuple[PairingMode, ...] = ("coordinator", "choice", "batch")
CHECKIN_CADENCES = ("weekly", "fortnightly", "monthly")
NAME_MAX = 100


class NotCoordinator(Exception):
    """The person does not coordinate this programme (or it does not exist)."""


@dataclass(frozen=True)
class ProgrammeSettings:
    """How a programme runs. Stored as JSON; unknown keys are ignored, missing ones default."""

    pairing_mode: PairingMode = "coordinator"
    answer_hours: int = 48
    request_expiry_hours: int = 72
    checkin_cadence: Literal["weekly", "fortnightly", "monthly"] = "weekly"
    weights: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProgrammeSettings:
        """Settings from the stored JSON, tolerating older or partial documents."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        settings = cls(**known)
        if settings.pairing_mode not in PAIRING_MODES:
            settings = replace(settings, pairing_mode="coordinator")
        return settings

    def to_json(self) -> dict[str, Any]:
        """The JSON document stored on the programme."""
        return asdict(self)


@dataclass(frozen=True)
class ProgrammeView:
    """A programme with its settings and active invite codes (role → code)."""

    id: int
    name: str
    is_default: bool
    settings: ProgrammeSettings
    invites: dict[Role, str]


async def active_person_id(s: AsyncSession, telegram_id: int) -> int:
    """The person behind a Telegram id, or NotCoordinator when there is nobody (any more)."""
    person_id = await s.scalar(
        select(Person.id).where(
            Person.telegram_id == telegram_id, Person.status != PersonStatus.DELETED
        )
    )
    if person_id is None:
        raise NotCoordinator(telegram_id)
    return person_id


async def require_coordinator(s: AsyncSession, telegram_id: int, programme_id: int) -> int:
    """The person id of a coordinator of exactly this programme.

    Raises:
        NotCoordinator: for anyone else, including coordinators of other programmes.
    """
    person_id = await active_person_id(s, telegram_id)
    member = await s.scalar(
        select(Membership.id).where(
            Membership.person_id == person_id,
            Membership.programme_id == programme_id,
            Membership.role == Role.COORDINATOR,
        )
    )
    if member is None:
        raise NotCoordinator(telegram_id)
    return person_id


def _code() -> str:
    # 12 URL-safe characters: ~72 bits, unguessable, and short enough for a t.me deep link.
    return secrets.token_urlsafe(9)


class ProgrammeService:
    """Programmes and their invite links, one transaction per call."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def _view(self, s: AsyncSession, programme: Programme) -> ProgrammeView:
        rows = await s.execute(
            select(InviteCode.role, InviteCode.code).where(
                InviteCode.programme_id == programme.id, InviteCode.active
            )
        )
        return ProgrammeView(
            id=programme.id,
            name=programme.name,
            is_default=programme.is_default,
            settings=ProgrammeSettings.from_json(programme.settings),
            invites={role: code for role, code in rows},
        )

    async def create(self, telegram_id: int, name: str) -> ProgrammeView:
        """A new programme coordinated by its creator, with one invite code per role.

        Only coordinators (of any programme) may create programmes.
        """
        name = " ".join(name.split())[:NAME_MAX]
        if not name:
            raise ValueError("a programme needs a name")
        now = self._clock.now()
        async with self._db.session() as s:
            person_id = await active_person_id(s, telegram_id)
            coordinates = await s.scalar(
                select(Membership.id).where(
                    Membership.person_id == person_id, Membership.role == Role.COORDINATOR
                )
            )
            if coordinates is None:
                raise NotCoordinator(telegram_id)
            programme = Programme(
                name=name,
                is_default=False,
                settings=ProgrammeSettings().to_json(),
                created_at=now,
            )
            s.add(programme)
            await s.flush()
            s.add(
                Membership(
                    person_id=person_id,
                    programme_id=programme.id,
                    role=Role.COORDINATOR,
                    joined_at=now,
                )
            )
            for role in Role:
                s.add(
                    InviteCode(
                        programme_id=programme.id,
                        role=role,
                        code=_code(),
                        active=True,
                        created_at=now,
                    )
                )
            await s.flush()
            return await self._view(s, programme)

    async def get(self, telegram_id: int, programme_id: int) -> ProgrammeView:
        """A programme, for one of its coordinators."""
        async with self._db.read() as s:
            await require_coordinator(s, telegram_id, programme_id)
            programme = await s.get(Programme, programme_id)
            assert programme is not None  # the membership's foreign key guarantees it
            return await self._view(s, programme)

    async def coordinated_by(self, telegram_id: int) -> list[ProgrammeView]:
        """Every programme this person coordinates, oldest first."""
        async with self._db.read() as s:
            programmes = await s.scalars(
                select(Programme)
                .join(Membership, Membership.programme_id == Programme.id)
                .join(Person, Person.id == Membership.person_id)
                .where(Person.telegram_id == telegram_id, Membership.role == Role.COORDINATOR)
                .order_by(Programme.id)
            )
            return [await self._view(s, p) for p in programmes]

    async def rotate_invite(
        self, telegram_id: int, programme_id: int, role: Role, *, enable: bool = True
    ) -> ProgrammeView:
        """Retire the role's current code; issue a fresh one unless ``enable`` is False."""
        async with self._db.session() as s:
            await require_coordinator(s, telegram_id, programme_id)
            await s.execute(
                update(InviteCode)
                .where(
                    InviteCode.programme_id == programme_id,
                    InviteCode.role == role,
                    InviteCode.active,
                )
                .values(active=False)
            )
            if enable:
                s.add(
                    InviteCode(
                        programme_id=programme_id,
                        role=role,
                        code=_code(),
                        active=True,
                        created_at=self._clock.now(),
                    )
                )
            await s.flush()
            programme = await s.get(Programme, programme_id)
            assert programme is not None
            return await self._view(s, programme)

    async def update_settings(
        self, telegram_id: int, programme_id: int, **changes: Any
    ) -> ProgrammeView:
        """Change some settings; values are validated by ``ProgrammeSettings``."""
        async with self._db.session() as s:
            await require_coordinator(s, telegram_id, programme_id)
            programme = await s.get(Programme, programme_id)
            assert programme is not None
            current = ProgrammeSettings.from_json(programme.settings)
            unknown = set(changes) - set(ProgrammeSettings.__dataclass_fields__)
            if unknown:
                raise ValueError(f"unknown settings: {sorted(unknown)}")
            new = replace(current, **changes)
            if new.pairing_mode not in PAIRING_MODES:
                raise ValueError(f"pairing_mode must be one of {PAIRING_MODES}")
            if not 1 <= new.answer_hours <= 24 * 14:
                raise ValueError("answer_hours must be between 1 and 336")
            if not 1 <= new.request_expiry_hours <= 24 * 30:
                raise ValueError("request_expiry_hours must be between 1 and 720")
            if new.checkin_cadence not in CHECKIN_CADENCES:
                raise ValueError(f"checkin_cadence must be one of {CHECKIN_CADENCES}")
            Weights.from_settings(new.weights)  # raises ValueError naming a bad weight
            programme.settings = {**programme.settings, **new.to_json()}  # keep other keys
            if new.pairing_mode != "batch":
                programme.next_batch_at = None
            elif current.pairing_mode != "batch" or programme.next_batch_at is None:
                programme.next_batch_at = self._clock.now()  # the next minute sweep matches
            return await self._view(s, programme)


async def tell_coordinators(
    s: AsyncSession,
    programme_id: int,
    key: str,
    dedupe: str,
    now: datetime,
    *,
    kind: str = "coordinator_notice",
    **values: object,
) -> int:
    """Tell every reachable coordinator of the programme ``key`` in their own language, once
    per ``dedupe`` key each (a repeated call adds nothing). Returns how many were queued."""
    return await notify_coordinators(
        s, programme_id, lambda lang: {"text": t(lang, key, **values)}, dedupe, now, kind=kind
    )


async def notify_coordinators(
    s: AsyncSession,
    programme_id: int,
    payload: Callable[[str], Mapping[str, Any]],
    dedupe: str,
    now: datetime,
    *,
    kind: str = "coordinator_notice",
    except_person: int | None = None,
) -> int:
    """Like ``tell_coordinators``, with the outbox ``payload`` (text, buttons…) rendered for
    each coordinator's language; ``except_person`` (a person id) is left out, e.g. the
    coordinator whose own action the notice reports. Returns how many were queued."""
    coordinators = await s.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.programme_id == programme_id,
            Membership.role == Role.COORDINATOR,
            Membership.deactivated_at.is_(None),
            Person.telegram_id.is_not(None),
            Person.status.in_((PersonStatus.ACTIVE, PersonStatus.PAUSED)),
        )
    )
    queued = 0
    for coordinator in coordinators:
        assert coordinator.telegram_id is not None
        if coordinator.id == except_person:
            continue
        queued += await enqueue_once(
            s,
            dedupe_key=f"{dedupe}:{coordinator.id}",
            chat_id=coordinator.telegram_id,
            person_id=coordinator.id,
            kind=kind,
            payload=payload(coordinator.language),
            now=now,
            priority=PRIORITY_NOTICE,
        )
    return queued
