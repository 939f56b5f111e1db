"""Composition: open storage, build the PTB ``Application``, register every handler.

``python -m bot run`` and the test suite build the bot through the same ``build_application``,
so what the tests drive over HTTP is exactly what runs in production.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults, TypeHandler
from telegram.request import HTTPXRequest

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import BotData, PreceptorApp, PreceptorContext
from bot.delivery import DeliveryWorker
from bot.health import HealthServer, checks
from bot.ordering import PerChatUpdateProcessor
from bot.persistence import SqlPersistence, flush_after_update
from bot.services import Services
from handlers import broadcasts, register
from handlers.menu import publish_default_menus
from storage.database import Database
from storage.migrate import schema_state, upgrade

log = logging.getLogger(__name__)


# Handler groups: guards first, the persistence flush after everything else.
GUARD_GROUP = -1
FLUSH_GROUP = 100


class SchemaNotReady(Exception):
    """The database is not at the newest migration and we may not migrate it ourselves."""


async def prepare_database(db: Database, *, auto_migrate: bool) -> None:
    """Make sure the schema is current: migrate SQLite in place, refuse anything else.

    Raises:
        SchemaNotReady: with the command that fixes it.
    """
    state = await schema_state(db)
    if state.up_to_date:
        return
    if auto_migrate:
        log.info("schema_upgrade from=%s to=%s", state.current, state.head)
        await upgrade(db)
        return
    raise SchemaNotReady(
        f"the database {db.describe()} is at schema {state.current or 'none'}, this code needs "
        f"{state.head}: run `python -m bot migrate` first"
    )


async def sweep(context: PreceptorContext) -> None:
    """The minute sweep: everything time-driven that is due (``Services.sweeps``).

    One failing sweep is logged and does not keep the others from running.
    """
    services = context.services
    handled = 0
    for run in services.sweeps():
        try:
            handled += await run()
        except Exception:
            log.exception("sweep_failed sweep=%s", getattr(run, "__qualname__", run))
    if handled:
        services.outbox.notify()


def build_application(
    settings: Settings,
    db: Database,
    *,
    clock: Clock | None = None,
    request_timeout: float = 10.0,
    messages_per_second: float | None = 30,
    max_concurrent_updates: int = 64,
    dispose_db_on_shutdown: bool = True,
) -> PreceptorApp:
    """The bot, ready to ``initialize()``: handlers, persistence, limits, services.

    ``messages_per_second`` is Telegram's overall sending limit; None lifts it (benchmarks that
    measure our own processing, never production).
    """
    services = Services.create(settings, db, clock or SystemClock())
    delivery: DeliveryWorker | None = None
    health: HealthServer | None = None

    async def post_init(app: Any) -> None:
        nonlocal delivery, health
        await services.people.ensure_default_programme(settings.default_programme_name)
        await publish_default_menus(app.bot)
        await services.outbox.recover_after_crash()
        await services.checkins.backfill()  # people who joined before check-ins existed
        delivery = DeliveryWorker(app.bot, services.outbox, services.clock)
        delivery.start()
        if app.job_queue is not None:
            # One sweep a minute for everything time-driven, not one job per person.
            every = settings.sweep_seconds
            app.job_queue.run_repeating(sweep, interval=every, first=every)
            # Live broadcast progress, and resuming a fan-out a crash interrupted.
            app.job_queue.run_repeating(
                broadcasts.progress_job, interval=broadcasts.PROGRESS_SECONDS, first=1
            )
        if settings.health_port is not None:
            scheduler = app.job_queue.scheduler if app.job_queue is not None else None
            health = HealthServer(
                checks(
                    db,
                    lambda: scheduler is not None and scheduler.running,
                    lambda: delivery is not None and delivery.running,
                ),
                port=settings.health_port,
            )
            health.start()

    async def post_stop(_app: Any) -> None:
        # Before shutdown closes the bot's connections, so that sends in flight can finish.
        if health is not None:
            await health.stop()
        if delivery is not None:
            await delivery.stop()

    async def post_shutdown(app: Any) -> None:
        await post_stop(app)  # PTB skips post_stop when the application never started
        if dispose_db_on_shutdown:
            await db.dispose()

    def request() -> HTTPXRequest:
        return HTTPXRequest(
            connection_pool_size=64,
            connect_timeout=request_timeout,
            read_timeout=request_timeout,
            write_timeout=request_timeout,
            pool_timeout=request_timeout,
        )

    builder = (
        ApplicationBuilder()
        .token(settings.token())
        .context_types(ContextTypes(context=PreceptorContext, bot_data=BotData))
        .persistence(SqlPersistence(services.conversations))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .request(request())
        .get_updates_request(
            HTTPXRequest(connection_pool_size=2, read_timeout=request_timeout + 30)
        )
        .concurrent_updates(PerChatUpdateProcessor(max_concurrent_updates))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if messages_per_second is not None:
        # PTB's builder types its rate limiter at the first call; a conditional one needs this.
        # Evenly spaced, no bursts: a burst of 30 leaves Telegram's bucket empty, and then any
        # jitter earns a 429, which PTB answers by pausing every send for retry_after + 0.1 s.
        limiter = AIORateLimiter(
            overall_max_rate=1, overall_time_period=1 / messages_per_second, max_retries=3
        )
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
    if settings.telegram_api_file_url:
        builder = builder.base_file_url(settings.telegram_api_file_url)
    app: PreceptorApp = builder.build()  # type: ignore[assignment]
    app.bot_data.services = services
    register(app, guard_group=GUARD_GROUP)
    app.add_handler(TypeHandler(object, flush_after_update), group=FLUSH_GROUP)
    return app


def freeze_startup_objects() -> None:
    """Take what start-up built out of the cyclic garbage collector's sight.

    Modules, handlers, SQLAlchemy mappers and the catalogs live as long as the process; a
    full collection used to scan them all and paused the bot for ~75 ms every few seconds
    under load (measured with ``python -m bench load``). Frozen, collections scan only what
    updates create. Call once, after ``build_application``, in a long-running process.
    """
    gc.collect()
    gc.freeze()
