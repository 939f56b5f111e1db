"""Message catalogs: every user-facing sentence, in English and Spanish.

Texts are Telegram HTML. ``t()`` escapes every value it interpolates, so a name like
``<Ana & Co>`` can never break a message or inject markup; pass ``Safe(...)`` for a value that
is already HTML (e.g. a list rendered from other catalog entries).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from bot.catalog import (
    checkins_en,
    checkins_es,
    console_en,
    console_es,
    en,
    es,
    exchange_en,
    exchange_es,
    goals_en,
    goals_es,
    gratitude_en,
    gratitude_es,
)

# One catalog per language, kept in one file per feature so features stay readable apart.
ENGLISH = {
    **en.MESSAGES,
    **exchange_en.MESSAGES,
    **gratitude_en.MESSAGES,
    **goals_en.MESSAGES,
    **checkins_en.MESSAGES,
    **console_en.MESSAGES,
}
SPANISH = {
    **es.MESSAGES,
    **exchange_es.MESSAGES,
    **gratitude_es.MESSAGES,
    **goals_es.MESSAGES,
    **checkins_es.MESSAGES,
    **console_es.MESSAGES,
}

LANGUAGES: tuple[str, ...] = ("en", "es")
CATALOGS: Mapping[str, Mapping[str, str]] = {"en": ENGLISH, "es": SPANISH}


class Safe(str):
    """A string that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


def pick_language(code: str | None, default: str) -> str:
    """The catalog language for a Telegram ``language_code`` such as ``es-419``."""
    if code:
        base = code.split("-")[0].lower()
        if base in CATALOGS:
            return base
    return default if default in CATALOGS else "en"


def t(lang: str, key: str, /, **values: object) -> str:
    """The message ``key`` in ``lang`` (English when missing), with ``values`` escaped in."""
    catalog = CATALOGS.get(lang, CATALOGS["en"])
    template = catalog.get(key)
    if template is None:
        template = CATALOGS["en"][key]
    if not values:
        return template
    escaped = {
        name: value if isinstance(value, Safe) else html.escape(str(value), quote=False)
        for name, value in values.items()
    }
    return template.format(**escaped)


def has(key: str) -> bool:
    """True when ``key`` exists in the English catalog (the reference)."""
    return key in CATALOGS["en"]
