"""Coordinator commands for programmes: ``/newprogram <name>`` creates one and shows its invite
links, one per role (``https://t.me/<bot>?start=<code>``); ``/invites`` shows them again;
``/programme`` shows the settings (how pairs are formed, expected answer time, check-in
cadence) with one button per choice, and retires an invite link with a fresh one.

Everything here is refused, politely and without detail, to anyone who does not coordinate
the programme in question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import Safe, t
from bot.services.programmes import NotCoordinator, ProgrammeView
from handlers.ui import (
    keyboard,
    language_for,
    person_of,
    query_of,
    redraw,
    refuse_stale,
    say,
    user_of,
)
from storage.models import Role


def invite_lines(lang: str, programme: ProgrammeView, bot_username: str) -> str:
    """One line per role: the role and its deep link (or "disabled")."""
    lines = []
    for role in (Role.MENTEE, Role.MENTOR, Role.COORDINATOR):
        code = programme.invites.get(role)
        link = (
            f"https://t.me/{bot_username}?start={code}" if code else t(lang, "programme.disabled")
        )
        lines.append(t(lang, "programme.invite_line", role=t(lang, f"role.{role}"), link=link))
    return "\n".join(lines)


async def new_programme(update: Update, context: PreceptorContext) -> None:
    """``/newprogram <name>``: create a programme and show its invite links."""
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    name = " ".join(context.args or [])
    if person is None or not person.is_coordinator:
        await say(update, t(lang, "coordinator.only"))
        return
    if not name.strip():
        await say(update, t(lang, "programme.name_needed"))
        return
    try:
        programme = await context.services.programmes.create(person.telegram_id, name)
    except NotCoordinator:
        await say(update, t(lang, "coordinator.only"))
        return
    links = Safe(invite_lines(lang, programme, context.bot.username))
    await say(update, t(lang, "programme.created", name=programme.name, links=links))


async def coordinated(
    update: Update, context: PreceptorContext
) -> tuple[str, list[ProgrammeView]]:
    """The caller's language and the programmes they coordinate; says so when there are none."""
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    programmes = (
        await context.services.programmes.coordinated_by(person.telegram_id) if person else []
    )
    if not programmes:
        await say(update, t(lang, "coordinator.only"))
    return lang, programmes


ProgrammeStep = Callable[[Update, PreceptorContext, str, int, str], Awaitable[None]]


async def with_programme(
    update: Update, context: PreceptorContext, prefix: str, then: ProgrammeStep
) -> None:
    """Run ``then`` for the caller's programme, or ask which one (buttons ``<prefix>:<id>``)."""
    lang, programmes = await coordinated(update, context)
    if not programmes:
        return
    if len(programmes) == 1:
        await then(update, context, lang, programmes[0].id, programmes[0].name)
        return
    choices = [(p.name, f"{prefix}:{p.id}") for p in programmes]
    await say(update, t(lang, "pair.pick_programme"), keyboard(choices, columns=1))


async def invites(update: Update, context: PreceptorContext) -> None:
    """``/invites``: the invite links of every programme this person coordinates."""
    lang, programmes = await coordinated(update, context)
    if not programmes:
        return
    blocks = [
        f"<b>{t(lang, 'programme.heading', name=p.name)}</b>\n"
        + invite_lines(lang, p, context.bot.username)
        for p in programmes
    ]
    await say(update, "\n\n".join(blocks))


MODES = ("coordinator", "choice", "batch")
ANSWER_HOURS = (24, 48, 72)
CADENCES = ("weekly", "fortnightly", "monthly")


def _settings_card(lang: str, programme: ProgrammeView) -> tuple[str, InlineKeyboardMarkup]:
    settings, pid = programme.settings, programme.id
    text = t(
        lang,
        "programme.settings",
        name=programme.name,
        mode=t(lang, f"programme.mode.{settings.pairing_mode}"),
        hours=settings.answer_hours,
        cadence=t(lang, f"programme.cadence.{settings.checkin_cadence}"),
    )
    rows = [(t(lang, f"programme.mode.{m}"), f"ps:{pid}:mode:{m}") for m in MODES]
    rows += [(f"{h} h", f"ps:{pid}:hours:{h}") for h in ANSWER_HOURS]
    rows += [(t(lang, f"programme.cadence.{c}"), f"ps:{pid}:cadence:{c}") for c in CADENCES]
    rows += [
        (t(lang, "programme.rotate", role=t(lang, f"role.{r}")), f"ps:{pid}:rotate:{r}")
        for r in (Role.MENTEE, Role.MENTOR, Role.COORDINATOR)
    ]
    return text, keyboard(rows, columns=3)


async def programme_settings(update: Update, context: PreceptorContext) -> None:
    """``/programme``: a programme's settings, each changed with one tap."""
    await with_programme(update, context, "ps", _show_settings)


async def _show_settings(
    update: Update, context: PreceptorContext, lang: str, programme_id: int, _name: str
) -> None:
    programme = await context.services.programmes.get(user_of(update).id, programme_id)
    text, markup = _settings_card(lang, programme)
    await say(update, text, markup)


async def on_settings(update: Update, context: PreceptorContext) -> None:
    """A settings button: ``ps:<id>`` (which programme) or ``ps:<id>:<what>:<value>``."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    parts = data.split(":")
    if person is None or len(parts) not in (2, 4) or not parts[1].isdigit():
        await refuse_stale(query, lang)
        return
    programmes = context.services.programmes
    pid = int(parts[1])
    try:
        if len(parts) == 2:
            programme = await programmes.get(person.telegram_id, pid)
            await query.answer()
            await say(update, *_settings_card(lang, programme))
            return
        what, value = parts[2], parts[3]
        if what == "mode" and value in MODES:
            programme = await programmes.update_settings(
                person.telegram_id, pid, pairing_mode=value
            )
        elif what == "hours" and value.isdigit() and int(value) in ANSWER_HOURS:
            hours = int(value)
            programme = await programmes.update_settings(
                person.telegram_id, pid, answer_hours=hours
            )
        elif what == "cadence" and value in CADENCES:
            programme = await programmes.update_settings(
                person.telegram_id, pid, checkin_cadence=value
            )
        elif what == "rotate" and value in {r.value for r in Role}:
            programme = await programmes.rotate_invite(person.telegram_id, pid, Role(value))
            links = Safe(invite_lines(lang, programme, context.bot.username))
            await say(update, t(lang, "programme.rotated", links=links))
        else:
            await refuse_stale(query, lang)
            return
    except NotCoordinator:
        await query.answer(t(lang, "coordinator.only"), show_alert=True)
        return
    await query.answer(t(lang, "programme.saved"))
    await redraw(query, *_settings_card(lang, programme))


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("newprogram", new_programme),
        CommandHandler("invites", invites),
        CommandHandler("programme", programme_settings),
        CallbackQueryHandler(on_settings, pattern=r"^ps:"),
    ]
