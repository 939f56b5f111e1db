"""``/broadcast`` and ``/broadcasts``: announcements from a coordinator to many people.

Flow: ``/broadcast`` → the coordinator writes the announcement (text, or a photo, voice note or
document with a caption; a compose step, so a restart keeps the place) → one button per
audience (everyone, mentees, mentors, or mentees without a check-in for 30 days, per programme;
everyone in every programme they run) → a preview with the number of recipients → *Send now*
(the preview becomes the live progress message), *Schedule* (a date and time typed in their
timezone) or *Cancel*. ``/broadcasts`` lists past and scheduled ones with their figures, with a
button to cancel one that is scheduled or running (after a confirmation).

Buttons (every id is checked again by the service): ``ba:<broadcast>:<programme|0>:<a|e|r|q>``
audience, ``bs:<b>`` send now, ``bt:<b>`` schedule, ``bx:<b>`` discard the draft, ``bc:<b>``
cancel (asks), ``by:<b>`` yes cancel, ``bn:<b>`` keep it.

:func:`progress_job` runs every few seconds (``bot/app.py``): it redraws the progress messages
and lets the service finish broadcasts with nothing left to send.
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import Safe, t
from bot.services.broadcasts import (
    BroadcastRefused,
    BroadcastView,
    InvalidWhen,
    progress_text,
)
from bot.services.people import PersonView
from bot.services.programmes import NotCoordinator
from handlers import compose
from handlers.programmes import coordinated
from handlers.questions import content_of
from handlers.ui import (
    callback_ids,
    keyboard,
    language_for,
    person_of,
    query_of,
    refuse_stale,
    say,
    settle,
)

log = logging.getLogger(__name__)

PROGRESS_SECONDS = 3.0
AUDIENCE_CODES = {"a": "all", "e": "mentees", "r": "mentors", "q": "quiet_mentees"}
_CODE_OF = {value: key for key, value in AUDIENCE_CODES.items()}
MAX_PROGRAMMES = 6  # audience buttons are offered for this many programmes


async def broadcast_command(update: Update, context: PreceptorContext) -> None:
    """``/broadcast``: ask for the announcement."""
    lang, programmes = await coordinated(update, context)
    if not programmes:
        return
    user_id = update.effective_user.id if update.effective_user else 0
    await compose.expect(context, user_id, "bc_write")
    await say(update, t(lang, "broadcast.write"))


@compose.step("bc_write")
async def on_announcement(
    update: Update, context: PreceptorContext, person: PersonView, _data: dict[str, Any]
) -> None:
    """The announcement itself: keep it as a draft, then ask who it is for."""
    lang = person.language
    message = update.effective_message
    content = content_of(message) if message is not None else "qa.unsupported"
    if isinstance(content, str):
        await say(update, t(lang, "broadcast.refused.empty"))
        return
    media = None if content.file_id is None else (str(content.kind), content.file_id)
    try:
        draft = await context.services.broadcasts.draft(person.telegram_id, content.text, media)
    except BroadcastRefused as refusal:
        await say(update, t(lang, f"broadcast.refused.{refusal.reason}"))
        return
    except NotCoordinator:
        await compose.finish(context, person.telegram_id)
        await say(update, t(lang, "coordinator.only"))
        return
    await compose.finish(context, person.telegram_id)
    programmes = await context.services.programmes.coordinated_by(person.telegram_id)
    choices = [
        (t(lang, f"broadcast.audience.{audience}", programme=p.name), f"ba:{draft.id}:{p.id}:{c}")
        for p in programmes[:MAX_PROGRAMMES]
        for c, audience in AUDIENCE_CODES.items()
    ]
    if len(programmes) > 1:
        choices.append((t(lang, "broadcast.audience.everywhere"), f"ba:{draft.id}:0:a"))
    choices.append((t(lang, "broadcast.discard"), f"bx:{draft.id}"))
    await say(update, t(lang, "broadcast.pick_audience"), keyboard(choices, columns=1))


def audience_label(lang: str, view: BroadcastView) -> str:
    """Who a broadcast goes to, in words."""
    if len(view.programme_names) > 1:
        return t(lang, "broadcast.audience.everywhere")
    name = view.programme_names[0] if view.programme_names else "—"
    return t(lang, f"broadcast.audience.{view.audience}", programme=name)


def _body(lang: str, view: BroadcastView) -> str:
    words = t(lang, "broadcast.quote", text=view.text or "")
    if view.media_type is None:
        return words
    return t(lang, f"broadcast.media.{view.media_type}") + ("\n" + words if view.text else "")


async def on_button(update: Update, context: PreceptorContext) -> None:
    """Every broadcast button (see the module docstring)."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    kind = data[:3]
    if kind == "ba:":
        parts = data[3:].split(":")
        ids = callback_ids(":".join(parts[:2]), "", 2) if len(parts) == 3 else None
        audience = AUDIENCE_CODES.get(parts[-1])
    else:
        ids, audience = callback_ids(data, kind, 1), None
    if person is None or ids is None or (kind == "ba:" and audience is None):
        await refuse_stale(query, lang)
        return
    broadcasts, uid = context.services.broadcasts, person.telegram_id
    try:
        if kind == "ba:":
            assert audience is not None
            view = await broadcasts.choose_audience(uid, ids[0], ids[1] or None, audience)
            await query.answer()
            await _preview(update, lang, view)
        elif kind == "bs:":
            await _send_now(update, context, lang, ids[0])
        elif kind == "bt:":
            await broadcasts.get_draft(uid, ids[0])
            zone = await broadcasts.timezone_of(uid, context.services.settings.default_timezone)
            message_id = query.message.message_id if query.message else 0
            await compose.expect(context, uid, "bc_when", broadcast=ids[0], message=message_id)
            await query.answer()
            await say(update, t(lang, "broadcast.when", zone=zone))
        elif kind == "bx:":
            await broadcasts.discard(uid, ids[0])
            await settle(query, t(lang, "broadcast.discarded"))
        elif kind == "bc:":
            view = await broadcasts.get(uid, ids[0])
            await query.answer()
            yes_no = [(t(lang, "broadcast.cancel.yes"), f"by:{view.id}"),
                      (t(lang, "broadcast.cancel.no"), f"bn:{view.id}")]  # fmt: skip
            await say(update, t(lang, "broadcast.cancel.confirm", id=view.id), keyboard(yes_no))
        elif kind == "by:":
            view = await broadcasts.cancel(uid, ids[0])
            context.services.outbox.notify()
            text = t(lang, "broadcast.cancel.done", id=view.id, sent=view.figures.sent,
                     withdrawn=view.figures.withdrawn)  # fmt: skip
            await settle(query, text)
        elif kind == "bn:":
            await settle(query, t(lang, "broadcast.cancel.kept"))
        else:
            await refuse_stale(query, lang)
    except NotCoordinator:
        await query.answer(t(lang, "coordinator.only"), show_alert=True)
    except BroadcastRefused as refusal:
        await query.answer(t(lang, f"broadcast.refused.{refusal.reason}"), show_alert=True)


async def _preview(update: Update, lang: str, view: BroadcastView) -> None:
    query, _ = query_of(update)
    text = t(
        lang,
        "broadcast.preview",
        body=Safe(_body(lang, view)),
        audience=audience_label(lang, view),
        count=view.recipients or 0,
    )
    choices = [
        (t(lang, "broadcast.send_now"), f"bs:{view.id}"),
        (t(lang, "broadcast.schedule"), f"bt:{view.id}"),
        (t(lang, "broadcast.discard"), f"bx:{view.id}"),
    ]
    await query.edit_message_text(text, reply_markup=keyboard(choices, columns=2))


async def _send_now(update: Update, context: PreceptorContext, lang: str, bid: int) -> None:
    query, _ = query_of(update)
    message = query.message
    if message is None:
        await refuse_stale(query, lang)
        return
    services = context.services
    view = await services.broadcasts.send_now(
        query.from_user.id, bid, chat_id=message.chat.id, message_id=message.message_id
    )
    await query.answer()
    await query.edit_message_text(progress_text(lang, view), reply_markup=None)
    # The fan-out runs in chunks beside the updates; the progress job resumes it after a crash.
    context.application.create_task(_fan_out(context, bid), update=update)


async def _fan_out(context: PreceptorContext, broadcast_id: int) -> None:
    services = context.services
    await services.broadcasts.fan_out(broadcast_id)
    services.outbox.notify()


@compose.step("bc_when")
async def on_when(
    update: Update, context: PreceptorContext, person: PersonView, data: dict[str, Any]
) -> None:
    """The date and time of a scheduled broadcast, in the coordinator's timezone."""
    lang = person.language
    message = update.effective_message
    text = message.text if message is not None else None
    if not text:
        await say(update, t(lang, "broadcast.when.format"))
        return
    services = context.services
    try:
        view = await services.broadcasts.schedule(
            person.telegram_id,
            int(data["broadcast"]),
            text,
            chat_id=person.telegram_id,
            message_id=int(data.get("message") or 0),
            default_timezone=services.settings.default_timezone,
        )
    except InvalidWhen as invalid:
        await say(update, t(lang, f"broadcast.when.{invalid.reason}"))
        return
    except (NotCoordinator, BroadcastRefused):
        await compose.finish(context, person.telegram_id)
        await say(update, t(lang, "broadcast.refused.stale"))
        return
    await compose.finish(context, person.telegram_id)
    zone = person.timezone or services.settings.default_timezone
    assert view.scheduled_at is not None
    local = view.scheduled_at.astimezone(ZoneInfo(zone)).strftime("%d/%m/%Y %H:%M")
    await say(update, t(lang, "broadcast.scheduled", id=view.id, when=local, zone=zone))


async def broadcasts_command(update: Update, context: PreceptorContext) -> None:
    """``/broadcasts``: the latest ones with their figures; cancel buttons where it applies."""
    lang, programmes = await coordinated(update, context)
    if not programmes:
        return
    person = await person_of(update, context)
    assert person is not None
    views = await context.services.broadcasts.listing(person.telegram_id)
    if not views:
        await say(update, t(lang, "broadcast.none"))
        return
    lines = [t(lang, "broadcast.list_title")]
    choices = []
    for view in views:
        when = view.scheduled_at or view.started_at or view.created_at
        lines.append(
            t(
                lang,
                "broadcast.list_line",
                id=view.id,
                status=t(lang, f"broadcast.status.{view.status.value}"),
                when=when.strftime("%d/%m %H:%M"),
                audience=audience_label(lang, view),
                sent=view.figures.sent,
                total=view.total,
                failed=view.figures.undeliverable,
            )
        )
        if view.status.value in ("scheduled", "sending"):
            choices.append((t(lang, "broadcast.cancel.button", id=view.id), f"bc:{view.id}"))
    await say(update, "\n".join(lines), keyboard(choices, columns=1) if choices else None)


async def progress_job(context: PreceptorContext) -> None:
    """Every few seconds: redraw progress messages, finish broadcasts that are done."""
    services = context.services
    try:
        edits = await services.broadcasts.progress()
    except Exception:
        log.exception("broadcast_progress_failed")
        return
    services.outbox.notify()
    for edit in edits:
        try:
            await context.bot.edit_message_text(
                edit.text, chat_id=edit.chat_id, message_id=edit.message_id
            )
        except TelegramError as error:
            # A deleted or unchanged message: the figures come again with the next change.
            log.info(
                "broadcast_progress_not_shown id=%d error=%s",
                edit.broadcast_id,
                type(error).__name__,
            )


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("broadcast", broadcast_command),
        CommandHandler("broadcasts", broadcasts_command),
        CallbackQueryHandler(on_button, pattern=r"^b[astxcyn]:"),
    ]
