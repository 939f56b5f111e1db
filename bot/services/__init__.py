"""The domain layer: what the programme does, independent of Telegram.

``Services`` is the one object handlers reach (through ``PreceptorContext.services``); it owns
the database and the clock and hands out the individual services.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.config import Settings
from bot.services.broadcasts import BroadcastService
from bot.services.checkins import CheckinService
from bot.services.conversations import ConversationStore
from bot.services.goals import GoalService
from bot.services.gratitude import GratitudeService
from bot.services.outbox import OutboxService
from bot.services.pairing import PairingService
from bot.services.people import PeopleService
from bot.services.programmes import ProgrammeService
from bot.services.questions import QuestionService
from bot.services.requests import RequestService
from bot.services.stats import ConsoleService
from storage.database import Database


@dataclass(frozen=True)
class Services:
    """Everything a handler may call, wired to one database and one clock."""

    settings: Settings
    clock: Clock
    db: Database
    people: PeopleService
    conversations: ConversationStore
    outbox: OutboxService
    programmes: ProgrammeService
    pairing: PairingService
    requests: RequestService
    goals: GoalService
    gratitude: GratitudeService
    questions: QuestionService
    checkins: CheckinService
    broadcasts: BroadcastService
    console: ConsoleService

    @classmethod
    def create(cls, settings: Settings, db: Database, clock: Clock) -> Services:
        """Wire the services together."""
        pairing = PairingService(db, clock)
        return cls(
            settings=settings,
            clock=clock,
            db=db,
            people=PeopleService(db, clock, coordinator_ids=settings.coordinator_ids),
            conversations=ConversationStore(db, clock),
            outbox=OutboxService(
                db, clock, resend_pause=timedelta(seconds=settings.outbox_resend_pause_seconds)
            ),
            programmes=ProgrammeService(db, clock),
            pairing=pairing,
            requests=RequestService(db, clock, pairing),
            goals=GoalService(db, clock, default_timezone=settings.default_timezone),
            gratitude=GratitudeService(db, clock),
            questions=QuestionService(db, clock),
            checkins=CheckinService(db, clock, default_timezone=settings.default_timezone),
            broadcasts=BroadcastService(db, clock),
            console=ConsoleService(db, clock),
        )

    def sweeps(self) -> tuple[Callable[[], Awaitable[int]], ...]:
        """What the minute sweep runs, in order; each returns how many items it handled."""
        return (
            self.requests.sweep,
            self.pairing.batch_sweep,
            self.questions.sweep,
            self.goals.sweep,
            self.checkins.sweep,
            self.broadcasts.sweep,
        )
