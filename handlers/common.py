"""What every chat gets: ``/help``, answers to unknown commands and to anything unexpected,
the one-time notice in group chats, stale buttons and the error handler.

These run after the conversations, so they only see what no conversation claimed.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import PreceptorContext
from bot.i18n import Safe, t
from handlers.menu import help_lines
from handlers.ui import language_for, person_of, refuse_stale, say

log = logging.getLogger(__name__)


async def help_command(update: Update, context: PreceptorContext) -> None:
    """``/help``: the commands this person can use, and nothing else."""
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    intro = "help.member" if person is not None and person.roles else "help.newcomer"
    await say(update, t(lang, intro, commands=Safe(help_lines(person, lang))))


async def unknown_command(update: Update, context: PreceptorContext) -> None:
    """A command we do not have (or one this person cannot use yet)."""
    person = await person_of(update, context)
    text = update.effective_message.text if update.effective_message else ""
    command = (text or "/").split()[0].split("@")[0][:33]
    await say(update, t(language_for(update, context, person), "unknown.command", command=command))


async def unexpected_message(update: Update, context: PreceptorContext) -> None:
    """Anything sent outside a conversation: say what the bot can do instead."""
    person = await person_of(update, context)
    lang = language_for(update, context, person)
    await say(update, t(lang, "unknown.message" if person is not None else "start.first"))


async def stale_button(update: Update, context: PreceptorContext) -> None:
    """A button no handler accepts now: from an old message, or forged."""
    query = update.callback_query
    if query is None:
        return
    person = await person_of(update, context)
    await refuse_stale(query, language_for(update, context, person))


async def outside_private_chats(update: Update, context: PreceptorContext) -> None:
    """Groups and channels: explain once per group that the bot works in private chats.

    Edits of old messages are ignored everywhere: an edited answer must not count twice.
    """
    if update.edited_message is not None or update.edited_channel_post is not None:
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    if update.my_chat_member is None and update.effective_user is not None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        elif chat.type != ChatType.CHANNEL and await context.services.people.claim_group_notice(
            chat.id
        ):
            lang = language_for(update, context, None)
            await say(update, t(lang, "group.private_only", bot=context.bot.username))
    raise ApplicationHandlerStop


async def on_error(update: object, context: PreceptorContext) -> None:
    """Log the failure by ids only, and tell the person something went wrong."""
    error = context.error
    user = update.effective_user if isinstance(update, Update) else None
    user_id = user.id if user is not None else None
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.info("send_forbidden update=%s user=%s", update_id, user_id)
        return
    log.error(
        "update_failed update=%s user=%s error=%s",
        update_id,
        user_id,
        type(error).__name__,
        exc_info=error,
    )
    if isinstance(update, Update) and update.effective_chat is not None:
        lang = language_for(update, context, None) if update.effective_user else "en"
        try:
            await update.effective_chat.send_message(t(lang, "error.generic"))
        except TelegramError:
            log.warning("error_reply_failed update=%s", update_id)


def early_handlers() -> list[object]:
    """Run before everything else (handler group -1)."""
    return [TypeHandler(Update, outside_private_chats)]


def late_handlers() -> list[object]:
    """Run when nothing else claimed the update, in this order."""
    return [
        CommandHandler("help", help_command),
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.ALL, unexpected_message),
        CallbackQueryHandler(stale_button),
    ]
