"""``/exclude`` and ``/exclusions``: a coordinator's "never pair these two".

Flow: ``/exclude`` → (which programme, if they coordinate several: ``xp``) → the programme's
mentees (``xm``) → its mentors not excluded yet for the mentee tapped (``xc``) → *Never pair
them* / *Cancel* (``xy`` / ``xn``) → saved: ``/pair``, ``/match`` and ``/findmentor`` never
propose the two together again. A pair the two form right now is not ended: the coordinator is
told it goes on until they ``/unpair`` it.

``/exclusions`` → (which programme: ``xl``) → the programme's exclusions with one *Remove*
button each (``xr``); the list is redrawn after every removal.

The pickers are ``/pair``'s (``with_programme``, the same id parsing, the same list size).
Every id in a button is checked again by the services: a button of another programme, or one
forged by someone who coordinates nothing, is refused and changes nothing.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import Safe, t
from bot.services.pairing import Exclusion, ExclusionList, PairingRefused
from bot.services.programmes import NotCoordinator
from handlers.programmes import with_programme
from handlers.ui import (
    MAX_LISTED,
    callback_ids,
    keyboard,
    language_for,
    person_of,
    query_of,
    redraw,
    refuse_stale,
    say,
    settle,
    user_of,
)
from storage.models import Role

# How many ids each button carries: programme, then mentee, then mentor.
ID_COUNTS = {"xp:": 1, "xm:": 2, "xc:": 3, "xy:": 3, "xn:": 1, "xl:": 1, "xr:": 3}


async def exclude_command(update: Update, context: PreceptorContext) -> None:
    """``/exclude``: start with the programme (or go straight to its mentees)."""
    await with_programme(update, context, "xp", _mentees)


async def exclusions_command(update: Update, context: PreceptorContext) -> None:
    """``/exclusions``: the programme's exclusions, each with a *Remove* button."""
    await with_programme(update, context, "xl", _list)


async def _mentees(
    update: Update, context: PreceptorContext, lang: str, programme_id: int, name: str
) -> None:
    pairing = context.services.pairing
    mentees = await pairing.members(user_of(update).id, programme_id, Role.MENTEE)
    if not mentees:
        await say(update, t(lang, "exclusion.no_mentees", programme=name))
        return
    choices = [(m.name, f"xm:{programme_id}:{m.person_id}") for m in mentees[:MAX_LISTED]]
    await say(update, t(lang, "exclusion.pick_mentee", programme=name), keyboard(choices))


async def _list(
    update: Update, context: PreceptorContext, lang: str, programme_id: int, _name: str
) -> None:
    listing = await context.services.pairing.exclusions(user_of(update).id, programme_id)
    text, markup = _listing(lang, listing)
    await say(update, text, markup)


def _listing(lang: str, listing: ExclusionList) -> tuple[str, InlineKeyboardMarkup | None]:
    """The exclusions as numbered lines, and a *Remove n* button for each one shown."""
    if not listing.exclusions:
        return t(lang, "exclusion.none", programme=listing.programme_name), None
    shown = listing.exclusions[:MAX_LISTED]
    lines = [
        t(lang, "exclusion.line", n=n, mentee=e.mentee.name, mentor=e.mentor.name)
        for n, e in enumerate(shown, start=1)
    ]
    if len(listing.exclusions) > MAX_LISTED:
        lines.append(t(lang, "exclusion.more", count=len(listing.exclusions) - MAX_LISTED))
    buttons = [
        (
            t(lang, "exclusion.remove", n=n),
            f"xr:{listing.programme_id}:{e.mentee.person_id}:{e.mentor.person_id}",
        )
        for n, e in enumerate(shown, start=1)
    ]
    text = t(
        lang, "exclusion.list", programme=listing.programme_name, lines=Safe("\n".join(lines))
    )
    return text, keyboard(buttons, columns=4)


def _summary(lang: str, key: str, exclusion: Exclusion) -> str:
    """``key`` about the two people, plus a word on their current pair if they have one."""
    text = t(
        lang,
        key,
        mentee=exclusion.mentee.name,
        mentor=exclusion.mentor.name,
        programme=exclusion.programme_name,
    )
    return text + ("\n" + t(lang, "exclusion.paired_now") if exclusion.paired_now else "")


async def on_button(update: Update, context: PreceptorContext) -> None:
    """Any ``/exclude`` or ``/exclusions`` button (see the module docstring for the kinds)."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    kind = data[:3]
    ids = callback_ids(data, kind, ID_COUNTS.get(kind, 0))
    if person is None or ids is None:
        await refuse_stale(query, lang)
        return
    pairing, user_id = context.services.pairing, person.telegram_id
    try:
        if kind in ("xp:", "xl:"):
            programme = await context.services.programmes.get(user_id, ids[0])
            await query.answer()
            then = _mentees if kind == "xp:" else _list
            await then(update, context, lang, programme.id, programme.name)
        elif kind == "xm:":
            mentee, mentors = await pairing.mentors_to_exclude(user_id, ids[0], ids[1])
            await query.answer()
            if not mentors:
                await say(update, t(lang, "exclusion.no_mentors", name=mentee.name))
                return
            choices = [
                (m.name, f"xc:{ids[0]}:{ids[1]}:{m.person_id}") for m in mentors[:MAX_LISTED]
            ]
            text = t(lang, "exclusion.pick_mentor", name=mentee.name)
            await say(update, text, keyboard(choices))
        elif kind == "xc:":
            preview = await pairing.exclusion_preview(user_id, ids[0], ids[2], ids[1])
            await query.answer()
            yes_no = [
                (t(lang, "exclusion.yes"), "xy:" + data[3:]),
                (t(lang, "exclusion.no"), f"xn:{ids[0]}"),
            ]
            await say(update, _summary(lang, "exclusion.confirm", preview), keyboard(yes_no))
        elif kind == "xy:":
            exclusion = await pairing.exclude(user_id, ids[0], ids[2], ids[1])
            await settle(query, _summary(lang, "exclusion.done", exclusion))
        elif kind == "xn:":
            await settle(query, t(lang, "exclusion.cancelled"))
        else:
            await _remove(update, context, lang, ids)
    except NotCoordinator:
        await query.answer(t(lang, "coordinator.only"), show_alert=True)
    except PairingRefused as refusal:
        await query.answer(t(lang, f"pair.refused.{refusal.reason}"), show_alert=True)


async def _remove(update: Update, context: PreceptorContext, lang: str, ids: list[int]) -> None:
    """``xr``: remove one exclusion and redraw the list in place."""
    query, _ = query_of(update)
    programme_id, mentee_id, mentor_id = ids
    removed, listing = await context.services.pairing.remove_exclusion(
        user_of(update).id, programme_id, mentor_id, mentee_id
    )
    if not removed:
        # A second tap on an old list: its ids name an exclusion that is already gone.
        await query.answer(t(lang, "exclusion.gone"), show_alert=True)
        return
    await query.answer(t(lang, "exclusion.removed"))
    text, markup = _listing(lang, listing)
    await redraw(query, text, markup)


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("exclude", exclude_command),
        CommandHandler("exclusions", exclusions_command),
        CallbackQueryHandler(on_button, pattern=r"^x[pmcynlr]:"),
    ]
