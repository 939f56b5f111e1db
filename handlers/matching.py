"""``/match``: a coordinator previews the optimal pairs for every waiting mentee, then approves.

Flow: ``/match`` → (which programme, if several) → the proposal: each pair with its score and
the reasons for it, and each mentee left unmatched with the reason, ``SHOWN`` pairs a page with
◀ ▶ to turn pages → *Approve all* forms the pairs (any that a rule now forbids is skipped and
listed with the rule) and both sides of each are introduced, or *Cancel*, or *Change a pair*
first: pick a pair (from every page), then one of that mentee's three best mentors or "leave
unmatched", and the preview is redrawn with the new scores. Pairs already formed are changed
with ``/pair`` and ``/unpair``.

The proposal is kept in the coordinator's draft under a one-time code carried by the buttons,
so an old preview cannot be approved after a newer one, nor twice.
"""

from __future__ import annotations

import secrets
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import PreceptorContext
from bot.i18n import t
from bot.services.pairing import BatchProposal, reason_text
from bot.services.programmes import NotCoordinator
from handlers.programmes import with_programme
from handlers.ui import (
    drop_buttons,
    is_id,
    keyboard,
    language_for,
    person_of,
    query_of,
    redraw,
    refuse_stale,
    say,
    settle,
    stack,
    user_of,
)

SHOWN = 25  # pairs listed in the preview; the rest are counted


async def match_command(update: Update, context: PreceptorContext) -> None:
    """``/match``: propose (or ask which programme first)."""
    await with_programme(update, context, "mp", _propose)


def _points(value: float) -> str:
    return f"{value:.1f}"


def _pages(count: int) -> int:
    return max(1, -(-count // SHOWN))


def _preview(lang: str, name: str, proposal: BatchProposal, page: int = 0) -> str:
    total = _points(sum(pair.score.value for pair in proposal.pairs))
    lines = [t(lang, "match.title", programme=name, count=len(proposal.pairs), total=total)]
    first = page * SHOWN
    for pair in proposal.pairs[first : first + SHOWN]:
        why = reason_text(lang, pair.score.reasons)
        names = {"mentee": pair.mentee.name, "mentor": pair.mentor.name}
        lines.append(t(lang, "match.pair", score=_points(pair.score.value), reasons=why, **names))
    if len(proposal.pairs) > SHOWN:
        last = min(first + SHOWN, len(proposal.pairs))
        lines.append(t(lang, "match.page", first=first + 1, last=last, count=len(proposal.pairs)))
    if proposal.unmatched and page == 0:
        lines.append(t(lang, "match.unmatched_title"))
        for mentee, code in proposal.unmatched[:SHOWN]:
            reason = t(lang, f"unmatched.{code}")
            lines.append(t(lang, "match.unmatched", name=mentee.name, reason=reason))
        if len(proposal.unmatched) > SHOWN:
            lines.append(t(lang, "match.more", count=len(proposal.unmatched) - SHOWN))
    return "\n".join(lines)


def _turn(lang: str, action: str, nonce: str, page: int, count: int) -> list[tuple[str, str]]:
    """◀ ▶ buttons to the neighbouring pages of ``count`` pairs, where there are any."""
    turns = []
    if page > 0:
        turns.append((t(lang, "match.previous"), f"{action}:{nonce}:{page - 1}"))
    if page + 1 < _pages(count):
        turns.append((t(lang, "match.next"), f"{action}:{nonce}:{page + 1}"))
    return turns


async def _propose(
    update: Update, context: PreceptorContext, lang: str, programme_id: int, name: str
) -> None:
    services = context.services
    person = await person_of(update, context)
    assert person is not None
    proposal = await services.pairing.propose_batch(person.telegram_id, programme_id)
    if not proposal.pairs:
        nobody = t(lang, "pair.nobody_waiting", programme=name)
        await say(update, _preview(lang, name, proposal) if proposal.unmatched else nobody)
        return
    nonce = secrets.token_hex(4)
    draft = {
        "programme": programme_id,
        "name": name,
        "pairs": [[p.mentor.person_id, p.mentee.person_id] for p in proposal.pairs],
        "unmatched": [[m.person_id, code] for m, code in proposal.unmatched],
        "nonce": nonce,
    }
    await services.conversations.update_draft(person.telegram_id, match=draft)
    buttons = _preview_buttons(lang, nonce, 0, len(proposal.pairs))
    await say(update, _preview(lang, name, proposal), buttons)


def _preview_buttons(lang: str, nonce: str, page: int, count: int) -> InlineKeyboardMarkup:
    actions = keyboard(
        [
            (t(lang, "match.approve"), f"ma:{nonce}"),
            (t(lang, "match.change"), f"mc:{nonce}:{page}"),
            (t(lang, "match.cancel"), f"mx:{nonce}"),
        ],
        columns=3,
    )
    turns = _turn(lang, "mv", nonce, page, count)
    return stack(actions, keyboard(turns)) if turns else actions


async def on_button(update: Update, context: PreceptorContext) -> None:
    """Programme (mp), page (mv), approve (ma), change (mc → mm → ms / mu, mb back) or cancel
    (mx)."""
    query, data = query_of(update)
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    if person is None:
        await refuse_stale(query, lang)
        return
    services = context.services
    try:
        if data.startswith("mp:") and data[3:].isdigit():
            programme = await services.programmes.get(person.telegram_id, int(data[3:]))
            await query.answer()
            await _propose(update, context, lang, programme.id, programme.name)
            return
        action, _, rest = data.partition(":")
        nonce, *numbers = rest.split(":")
        draft = (await services.conversations.draft(person.telegram_id)).get("match") or {}
        if nonce != draft.get("nonce") or not all(is_id(n) for n in numbers):
            await refuse_stale(query, lang)
            return
        if action in ("mv", "mc", "mm", "ms", "mu", "mb"):
            await _change(update, context, lang, draft, action, [int(n) for n in numbers])
            return
        await services.conversations.update_draft(person.telegram_id, match=None)
        if action == "mx":
            await settle(query, t(lang, "match.cancelled"))
            return
        pairs = [(int(a), int(b)) for a, b in draft["pairs"]]
        formed, skipped = await services.pairing.apply_batch(
            person.telegram_id, int(draft["programme"]), pairs
        )
    except NotCoordinator:
        await query.answer(t(lang, "coordinator.only"), show_alert=True)
        return
    services.outbox.notify()
    await query.answer()
    await drop_buttons(query)
    lines = [t(lang, "match.done", formed=formed, skipped=len(skipped))]
    for mentor, mentee, code in skipped[:SHOWN]:
        why = t(lang, f"pair.refused.{code}")
        lines.append(t(lang, "match.skipped", mentee=mentee.name, mentor=mentor.name, reason=why))
    await say(update, "\n".join(lines))


async def _change(
    update: Update,
    context: PreceptorContext,
    lang: str,
    draft: dict[str, Any],
    action: str,
    numbers: list[int],
) -> None:
    """Turn the preview's pages, or change single pairs before approving: pick a pair, then
    another mentor (one of the mentee's best three) or "leave unmatched"; the preview is
    redrawn."""
    query, _ = query_of(update)
    pairing = context.services.pairing
    user_id = user_of(update).id
    nonce, pairs = draft["nonce"], draft["pairs"]
    index = numbers[0] if numbers else -1
    if action in ("mm", "ms", "mu") and not 0 <= index < len(pairs):
        await refuse_stale(query, lang)
        return
    if action in ("mv", "mc"):
        page = index if index >= 0 else 0
        if page >= _pages(len(pairs)):
            await refuse_stale(query, lang)
            return
        proposal = await _described(context, user_id, draft)
        await query.answer()
        if action == "mv":
            page_buttons = _preview_buttons(lang, nonce, page, len(proposal.pairs))
            await redraw(query, _preview(lang, draft["name"], proposal, page), page_buttons)
            return
        # Buttons carry the pair's place in the draft: a pair the rules now forbid drops out
        # of the description but keeps its place there.
        shown = {(p.mentor.person_id, p.mentee.person_id): p for p in proposal.pairs}
        listed = [
            (f"{p.mentee.name} ↔ {p.mentor.name}", f"mm:{nonce}:{n}")
            for n, (mentor_id, mentee_id) in enumerate(pairs)
            if (p := shown.get((mentor_id, mentee_id))) is not None
        ]
        choices = listed[page * SHOWN : (page + 1) * SHOWN]
        choices += _turn(lang, "mc", nonce, page, len(listed))
        choices.append((t(lang, "match.back"), f"mb:{nonce}"))
        await redraw(query, t(lang, "match.pick_pair"), keyboard(choices, columns=1))
        return
    if action == "mm":
        mentor_id, mentee_id = pairs[index]
        mentee, best = await pairing.suggestions(user_id, draft["programme"], mentee_id)
        choices = [
            (f"{s.mentor.name} ({s.score.value:.1f})", f"ms:{nonce}:{index}:{s.mentor.person_id}")
            for s in best
            if s.mentor.person_id != mentor_id
        ]
        choices.append((t(lang, "match.leave_unmatched"), f"mu:{nonce}:{index}"))
        choices.append((t(lang, "match.back"), f"mb:{nonce}"))
        await query.answer()
        text = t(lang, "match.pick_mentor", name=mentee.name)
        await redraw(query, text, keyboard(choices, columns=1))
        return
    if action == "ms" and len(numbers) == 2:
        mentee, best = await pairing.suggestions(user_id, draft["programme"], pairs[index][1])
        if numbers[1] not in {s.mentor.person_id for s in best}:
            await refuse_stale(query, lang)
            return
        pairs[index] = [numbers[1], pairs[index][1]]
    elif action == "mu":
        draft["unmatched"].append([pairs.pop(index)[1], "by_coordinator"])
    draft["nonce"] = secrets.token_hex(4)  # older change buttons stop working
    await context.services.conversations.update_draft(user_id, match=draft)
    proposal = await _described(context, user_id, draft)
    await query.answer()
    buttons = (
        _preview_buttons(lang, draft["nonce"], 0, len(proposal.pairs)) if proposal.pairs else None
    )
    await redraw(query, _preview(lang, draft["name"], proposal), buttons)


async def _described(
    context: PreceptorContext, user_id: int, draft: dict[str, Any]
) -> BatchProposal:
    return await context.services.pairing.describe_batch(
        user_id,
        draft["programme"],
        [(int(a), int(b)) for a, b in draft["pairs"]],
        [(int(m), str(code)) for m, code in draft["unmatched"]],
    )


def handlers() -> list[object]:
    """This module's handlers."""
    return [
        CommandHandler("match", match_command),
        CallbackQueryHandler(on_button, pattern=r"^m[pvaxcmsub]:"),
    ]
