"""The coordinator console: ``/stats``, ``/export`` and ``/members``.

- ``/stats`` → (which programme, if several) → a short text with the programme's numbers and a
  PNG chart of the last 12 weeks, drawn in a thread so the bot keeps answering meanwhile.
- ``/export`` → (which programme) → a zip of CSV files with pseudonymous ids, as a document.
- ``/members`` → (which programme) → members with role and status, 15 at a time; a button per
  member deactivates or reactivates them after a confirmation; *Invite a co-coordinator* shows
  the programme's coordinator invite link.

Buttons: ``ss:<programme>`` stats, ``sx:<programme>`` export, ``sm:<programme>[:<offset>]``
members, ``sd:<membership>`` / ``sr:<membership>`` ask to deactivate / reactivate,
``sy:<membership>:<0|1>`` confirm (0 deactivate, 1 reactivate), ``sn:<membership>`` keep,
``si:<programme>`` coordinator invite. Every id is checked by the service against the
caller's own programmes; anything else gets "coordinators only".
"""

from __future__ import annotations

import asyncio
import io

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import t
from bot.services.programmes import NotCoordinator
from bot.services.stats import SERIES, MemberPage, ProgrammeStats, render_chart
from handlers.programmes import with_programme
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
from storage.models import Role

PAGE = 15
FLAG_KINDS = frozenset(
    {"low_pulse", "reach_out", "wellbeing", "need_help", "unanswered", "unresponsive_mentor",
     "blocked", "unmatched"}
)  # fmt: skip


def _duration(lang: str, seconds: float | None) -> str:
    if seconds is None:
        return t(lang, "stats.none")
    if seconds < 3600:
        return t(lang, "stats.minutes", n=max(1, round(seconds / 60)))
    return t(lang, "stats.hours", n=round(seconds / 3600, 1))


def stats_text(lang: str, stats: ProgrammeStats) -> str:
    """The short text that goes with the chart."""
    rate = stats.response_rate
    flags = ", ".join(
        f"{t(lang, f'stats.flag.{kind}') if kind in FLAG_KINDS else kind}: {count}"
        for kind, count in sorted(stats.flags.items())
    )
    return t(
        lang,
        "stats.text",
        programme=stats.programme_name,
        mentees=stats.roles.get(Role.MENTEE, 0),
        mentors=stats.roles.get(Role.MENTOR, 0),
        coordinators=stats.roles.get(Role.COORDINATOR, 0),
        pairs=stats.active_pairs,
        unmatched=stats.unmatched_mentees,
        asked=stats.questions,
        answered=stats.answered,
        median=_duration(lang, stats.median_answer_seconds),
        rate=t(lang, "stats.none") if rate is None else f"{round(rate * 100)} %",
        checkins=stats.checkins_sent,
        goals=stats.goals,
        done=stats.goals_done,
        notes=stats.notes,
        flags=flags or t(lang, "stats.no_flags"),
    )


async def stats_command(update: Update, context: PreceptorContext) -> None:
    """``/stats``: numbers and a chart for one programme."""
    await with_programme(update, context, "ss", _stats)


async def _stats(
    update: Update, context: PreceptorContext, lang: str, programme_id: int, _name: str
) -> None:
    person = await person_of(update, context)
    assert person is not None
    stats = await context.services.console.stats(person.telegram_id, programme_id)
    await say(update, stats_text(lang, stats))
    labels = {name: t(lang, f"stats.series.{name}") for name in SERIES}
    title = t(lang, "stats.chart_title", programme=stats.programme_name)
    # Drawing takes a noticeable moment of CPU: in a thread, the bot keeps answering others.
    png = await asyncio.get_running_loop().run_in_executor(
        None, render_chart, stats, title, labels
    )
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(InputFile(io.BytesIO(png), filename="engagement.png"))


async def export_command(update: Update, context: PreceptorContext) -> None:
    """``/export``: the programme's tables as CSV files in a zip."""
    await with_programme(update, context, "sx", _export)


async def _export(
    update: Update, context: PreceptorContext, lang: str, programme_id: int, name: str
) -> None:
    person = await person_of(update, context)
    assert person is not None
    export = await context.services.console.export(person.telegram_id, programme_id)
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(
            InputFile(io.BytesIO(export.content), filename=export.filename),
            caption=t(lang, "export.caption", programme=name, files=", ".join(export.files)),
        )


async def members_command(update: Update, context: PreceptorContext) -> None:
    """``/members``: who is in the programme, with buttons to manage them."""
    await with_programme(update, context, "sm", _members)


async def _members(
    update: Update,
    context: PreceptorContext,
    lang: str,
    programme_id: int,
    _name: str,
    offset: int = 0,
) -> None:
    person = await person_of(update, context)
    assert person is not None
    page = await context.services.console.members(
        person.telegram_id, programme_id, offset=offset, limit=PAGE
    )
    text, choices = _member_page(lang, page)
    await say(update, text, keyboard(choices, columns=2))


def _member_page(lang: str, page: MemberPage) -> tuple[str, list[tuple[str, str]]]:
    lines = [t(lang, "members.title", programme=page.programme_name, total=page.total)]
    choices: list[tuple[str, str]] = []
    for m in page.members:
        state = "members.active" if m.active else "members.inactive"
        lines.append(
            t(
                lang,
                "members.line",
                name=m.name,
                role=t(lang, f"role.{m.role.value}"),
                status=t(lang, f"members.status.{m.status.value}"),
                state=t(lang, state),
            )
        )
        if m.active:
            choices.append((t(lang, "members.deactivate", name=m.name), f"sd:{m.membership_id}"))
        else:
            choices.append((t(lang, "members.reactivate", name=m.name), f"sr:{m.membership_id}"))
    following = page.offset + len(page.members)
    if following < page.total:
        choices.append((t(lang, "members.more"), f"sm:{page.programme_id}:{following}"))
    choices.append((t(lang, "members.invite"), f"si:{page.programme_id}"))
    return "\n".join(lines), choices


async def on_button(update: Update, context: PreceptorContext) -> None:
    """Every console button (see the module docstring)."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    kind = data[:3]
    counts = {"ss:": 1, "sx:": 1, "si:": 1, "sd:": 1, "sr:": 1, "sn:": 1, "sy:": 2}
    if kind == "sm:":
        ids = callback_ids(data, kind, 2) or callback_ids(data, kind, 1)
    else:
        ids = callback_ids(data, kind, counts.get(kind, 0))
    if person is None or ids is None or (kind == "sy:" and ids[1] > 1):
        await refuse_stale(query, lang)
        return
    console, uid = context.services.console, person.telegram_id
    try:
        if kind in ("ss:", "sx:", "sm:"):
            programme = await context.services.programmes.get(uid, ids[0])
            await query.answer()
            if kind == "ss:":
                await _stats(update, context, lang, programme.id, programme.name)
            elif kind == "sx:":
                await _export(update, context, lang, programme.id, programme.name)
            else:
                offset = ids[1] if len(ids) > 1 else 0
                await _members(update, context, lang, programme.id, programme.name, offset)
        elif kind in ("sd:", "sr:"):
            member = await console.member(uid, ids[0])
            await query.answer()
            flag = 0 if kind == "sd:" else 1
            key = "members.confirm_deactivate" if flag == 0 else "members.confirm_reactivate"
            yes_no = [(t(lang, "members.yes"), f"sy:{ids[0]}:{flag}"),
                      (t(lang, "members.no"), f"sn:{ids[0]}")]  # fmt: skip
            await say(update, t(lang, key, name=member.name), keyboard(yes_no))
        elif kind == "sy:":
            try:
                member = await console.set_active(uid, ids[0], bool(ids[1]))
            except PermissionError:
                await query.answer(t(lang, "members.not_yourself"), show_alert=True)
                return
            key = "members.reactivated" if member.active else "members.deactivated"
            await settle(query, t(lang, key, name=member.name))
        elif kind == "sn:":
            await console.member(uid, ids[0])
            await settle(query, t(lang, "members.kept"))
        else:
            code = await console.coordinator_invite(uid, ids[0])
            await query.answer()
            link = f"https://t.me/{context.bot.username}?start={code}" if code else None
            text = t(lang, "members.invite_link", link=link) if link else None
            await say(update, text or t(lang, "members.invite_disabled"))
    except NotCoordinator:
        await query.answer(t(lang, "coordinator.only"), show_alert=True)


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("stats", stats_command),
        CommandHandler("export", export_command),
        CommandHandler("members", members_command),
        CallbackQueryHandler(on_button, pattern=r"^s[sxmdryni]:"),
    ]
