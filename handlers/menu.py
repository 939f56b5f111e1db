"""The commands each person can use: one table drives both ``/help`` and Telegram's menu.

Telegram shows a command menu per scope and language. New people see the short public menu in
their app's language; once someone joins, their own chat gets the menu of their roles in the
language they chose.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.i18n import LANGUAGES, t
from bot.services.people import PersonView
from storage.models import Role

EVERYONE = frozenset(Role)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    """A slash command and who may use it."""

    name: str
    roles: frozenset[Role] = EVERYONE
    public: bool = False  # shown before someone has joined


COMMANDS: tuple[Command, ...] = (
    Command("start", public=True),
    Command("help", public=True),
    Command("profile"),
    Command("mymentor", frozenset({Role.MENTEE})),
    Command("findmentor", frozenset({Role.MENTEE})),
    Command("mymentees", frozenset({Role.MENTOR})),
    Command("newprogram", frozenset({Role.COORDINATOR})),
    Command("invites", frozenset({Role.COORDINATOR})),
    Command("programme", frozenset({Role.COORDINATOR})),
    Command("match", frozenset({Role.COORDINATOR})),
    Command("pair", frozenset({Role.COORDINATOR})),
    Command("unpair", frozenset({Role.COORDINATOR})),
    Command("exclude", frozenset({Role.COORDINATOR})),
    Command("exclusions", frozenset({Role.COORDINATOR})),
    Command("broadcast", frozenset({Role.COORDINATOR})),
    Command("broadcasts", frozenset({Role.COORDINATOR})),
    Command("stats", frozenset({Role.COORDINATOR})),
    Command("export", frozenset({Role.COORDINATOR})),
    Command("members", frozenset({Role.COORDINATOR})),
    Command("endpair", frozenset({Role.MENTEE, Role.MENTOR})),
    Command("goals", frozenset({Role.MENTEE, Role.MENTOR})),
    Command("ask", frozenset({Role.MENTEE})),
    Command("questions", frozenset({Role.MENTEE, Role.MENTOR})),
    Command("thanks", frozenset({Role.MENTEE, Role.MENTOR})),
    Command("gratitude", frozenset({Role.MENTEE, Role.MENTOR})),
    Command("away", frozenset({Role.MENTOR})),
    Command("checkin", frozenset({Role.MENTEE, Role.MENTOR})),
    Command("settings", frozenset({Role.MENTEE, Role.MENTOR})),
    Command("language", public=True),
    Command("pause"),
    Command("resume"),
    Command("cancel", public=True),
    Command("deletemydata"),
)


def commands_for(person: PersonView | None) -> list[Command]:
    """The commands this person can use now (the public ones before joining)."""
    if person is None or not person.roles:
        return [c for c in COMMANDS if c.public]
    return [c for c in COMMANDS if c.roles & person.roles]


def help_lines(person: PersonView | None, lang: str) -> str:
    """One line per usable command: ``/name — what it does``."""
    return "\n".join(f"/{c.name} — {t(lang, 'cmd.' + c.name)}" for c in commands_for(person))


def bot_commands(person: PersonView | None, lang: str) -> list[BotCommand]:
    """The menu entries for Telegram."""
    return [BotCommand(c.name, t(lang, "cmd." + c.name)) for c in commands_for(person)]


async def publish_default_menus(bot: Bot) -> None:
    """The public menu for every language, plus the default-language fallback."""
    await bot.set_my_commands(bot_commands(None, "en"), scope=BotCommandScopeDefault())
    for lang in LANGUAGES:
        await bot.set_my_commands(
            bot_commands(None, lang), scope=BotCommandScopeDefault(), language_code=lang
        )


async def publish_menu(bot: Bot, person: PersonView) -> None:
    """This person's own menu, in their language. A failure here never breaks a reply."""
    try:
        await bot.set_my_commands(
            bot_commands(person, person.language),
            scope=BotCommandScopeChat(person.telegram_id),
        )
    except TelegramError as exc:
        # The menu is a convenience (/help always works): never fail a reply over it.
        log.warning("menu_not_published person=%s error=%s", person.id, type(exc).__name__)


async def withdraw_menu(bot: Bot, chat_id: int) -> None:
    """Remove a person's own menu (after they delete their data)."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("menu_not_withdrawn chat=%s error=%s", chat_id, type(exc).__name__)
