"""Coordinator commands for programmes: ``/newprogram <name>`` creates one and shows its invite
links, one per role (``https://t.me/<bot>?start=<code>``); ``/invites`` shows them again;
``/programme`` shows the settings (how pairs are formed, expected answer time, check-in
cadence, how long a mentee's request waits) with one button per choice, and two more cards:
*Invite links* retires a link with a fresh one or disables it, and *Matching weights* sets
how much each preference counts (off, half, normal or double its default).

Everything here is refused, politely and without detail, to anyone who does not coordinate
the programme in question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import Safe, t
from bot.services.matching import DEFAULT_WEIGHTS, Weights
from bot.services.programmes import NotCoordinator, ProgrammeView
from handlers.ui import (
    is_id,
    keyboard,
    language_for,
    person_of,
    query_of,
    redraw,
    refuse_stale,
    say,
    stack,
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
EXPIRY_HOURS = (48, 72, 168)
CADENCES = ("weekly", "fortnightly", "monthly")
ROLES = (Role.MENTEE, Role.MENTOR, Role.COORDINATOR)
# The preferences a coordinator may weigh, and the levels offered: a multiple of the default.
# A common language stays the base of every score (and a hard rule), so it is not offered.
WEIGHTS = ("field", "interest", "timezone", "stage_gap", "capacity")
LEVELS = {"off": 0.0, "low": 0.5, "normal": 1.0, "high": 2.0}
Card = tuple[str, InlineKeyboardMarkup]


def _main_card(lang: str, programme: ProgrammeView) -> Card:
    settings, pid = programme.settings, programme.id
    text = t(
        lang,
        "programme.settings",
        name=programme.name,
        mode=t(lang, f"programme.mode.{settings.pairing_mode}"),
        hours=settings.answer_hours,
        expiry=settings.request_expiry_hours,
        cadence=t(lang, f"programme.cadence.{settings.checkin_cadence}"),
    )
    rows = [(t(lang, f"programme.mode.{m}"), f"ps:{pid}:mode:{m}") for m in MODES]
    rows += [(f"{h} h", f"ps:{pid}:hours:{h}") for h in ANSWER_HOURS]
    rows += [(t(lang, f"programme.cadence.{c}"), f"ps:{pid}:cadence:{c}") for c in CADENCES]
    rows += [(t(lang, "programme.expiry", hours=h), f"ps:{pid}:expiry:{h}") for h in EXPIRY_HOURS]
    views = [
        (t(lang, "programme.view.invites"), f"ps:{pid}:view:invites"),
        (t(lang, "programme.view.weights"), f"ps:{pid}:view:weights"),
    ]
    return text, stack(keyboard(rows, columns=3), keyboard(views))


def _invites_card(lang: str, programme: ProgrammeView, bot_username: str) -> Card:
    pid = programme.id
    links = Safe(invite_lines(lang, programme, bot_username))
    text = t(lang, "programme.invites", name=programme.name, links=links)
    rows = []
    for role in ROLES:
        name = t(lang, f"role.{role}")
        rows.append((t(lang, "programme.rotate", role=name), f"ps:{pid}:rotate:{role}"))
        if role in programme.invites:
            rows.append((t(lang, "programme.disable", role=name), f"ps:{pid}:disable:{role}"))
    back = [(t(lang, "programme.view.main"), f"ps:{pid}:view:main")]
    return text, stack(keyboard(rows), keyboard(back))


def _level(weights: Weights, name: str) -> str | None:
    """The offered level a weight stands at, or None for a value set some other way."""
    default = getattr(DEFAULT_WEIGHTS, name)
    return next(
        (level for level, factor in LEVELS.items() if getattr(weights, name) == default * factor),
        None,
    )


def _weights_card(lang: str, programme: ProgrammeView) -> Card:
    pid = programme.id
    weights = Weights.from_settings(programme.settings.weights)
    lines, rows = [], []
    for name in WEIGHTS:
        level = _level(weights, name)
        shown = t(lang, f"weights.level.{level}") if level else f"{getattr(weights, name):g}"
        lines.append(t(lang, "weights.line", weight=t(lang, f"weights.{name}"), level=shown))
        for option in LEVELS:
            label = t(lang, f"weights.button.{option}", weight=t(lang, f"weights.{name}"))
            mark = "• " if option == level else ""
            rows.append((mark + label, f"ps:{pid}:weight:{name}.{option}"))
    text = t(lang, "weights.card", name=programme.name, lines=Safe("\n".join(lines)))
    back = [(t(lang, "programme.view.main"), f"ps:{pid}:view:main")]
    return text, stack(keyboard(rows, columns=4), keyboard(back))


def _card(lang: str, view: str, programme: ProgrammeView, bot_username: str) -> Card:
    if view == "invites":
        return _invites_card(lang, programme, bot_username)
    if view == "weights":
        return _weights_card(lang, programme)
    return _main_card(lang, programme)


async def programme_settings(update: Update, context: PreceptorContext) -> None:
    """``/programme``: a programme's settings, each changed with one tap."""
    await with_programme(update, context, "ps", _show_settings)


async def _show_settings(
    update: Update, context: PreceptorContext, lang: str, programme_id: int, _name: str
) -> None:
    programme = await context.services.programmes.get(user_of(update).id, programme_id)
    await say(update, *_main_card(lang, programme))


async def _change(
    context: PreceptorContext, telegram_id: int, pid: int, what: str, value: str
) -> tuple[ProgrammeView, str] | None:
    """Apply one settings button; the programme as it is now and the card to redraw, or None
    for a button that names no offered choice (forged or outdated)."""
    programmes = context.services.programmes
    if what == "view" and value in ("main", "invites", "weights"):
        return await programmes.get(telegram_id, pid), value
    if what == "mode" and value in MODES:
        return await programmes.update_settings(telegram_id, pid, pairing_mode=value), "main"
    if what in ("hours", "expiry") and value.isdigit():
        hours = int(value)
        if what == "hours" and hours in ANSWER_HOURS:
            changed = await programmes.update_settings(telegram_id, pid, answer_hours=hours)
            return changed, "main"
        if what == "expiry" and hours in EXPIRY_HOURS:
            changed = await programmes.update_settings(
                telegram_id, pid, request_expiry_hours=hours
            )
            return changed, "main"
        return None
    if what == "cadence" and value in CADENCES:
        return await programmes.update_settings(telegram_id, pid, checkin_cadence=value), "main"
    if what in ("rotate", "disable") and value in {r.value for r in ROLES}:
        enable = what == "rotate"
        changed = await programmes.rotate_invite(telegram_id, pid, Role(value), enable=enable)
        return changed, "invites"
    name, _, level = value.partition(".")
    if what == "weight" and name in WEIGHTS and level in LEVELS:
        current = await programmes.get(telegram_id, pid)
        weights = dict(current.settings.weights)
        weights[name] = getattr(DEFAULT_WEIGHTS, name) * LEVELS[level]
        changed = await programmes.update_settings(telegram_id, pid, weights=weights)
        return changed, "weights"
    return None


async def on_settings(update: Update, context: PreceptorContext) -> None:
    """A settings button: ``ps:<id>`` (which programme) or ``ps:<id>:<what>:<value>``."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    parts = data.split(":")
    if person is None or len(parts) not in (2, 4) or not is_id(parts[1]):
        await refuse_stale(query, lang)
        return
    pid = int(parts[1])
    try:
        if len(parts) == 2:
            programme = await context.services.programmes.get(person.telegram_id, pid)
            await query.answer()
            await say(update, *_main_card(lang, programme))
            return
        changed = await _change(context, person.telegram_id, pid, parts[2], parts[3])
    except NotCoordinator:
        await query.answer(t(lang, "coordinator.only"), show_alert=True)
        return
    if changed is None:
        await refuse_stale(query, lang)
        return
    programme, view = changed
    await query.answer(None if parts[2] == "view" else t(lang, "programme.saved"))
    await redraw(query, *_card(lang, view, programme, context.bot.username))
    if parts[2] == "rotate":  # a message of its own, easy to forward to the people invited
        links = Safe(invite_lines(lang, programme, context.bot.username))
        await say(update, t(lang, "programme.rotated", links=links))


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("newprogram", new_programme),
        CommandHandler("invites", invites),
        CommandHandler("programme", programme_settings),
        CallbackQueryHandler(on_settings, pattern=r"^ps:"),
    ]
