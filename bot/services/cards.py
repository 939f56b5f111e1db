"""How a person reads on a card someone else sees: field, stage, languages and a short bio.

The mentor cards of ``/findmentor`` and the introduction of a new pair describe people the
same way, so the words come from here. A card never carries contact details: no Telegram
username, no phone number. Everything returned is plain text; ``t()`` escapes it on the way
into a message.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import has, t

BIO_SHOWN = 280  # characters of a bio on a card: a few lines on a phone


def profile_label(lang: str, kind: str, code: str | None) -> str:
    """A catalog label for a profile value, or the value itself (a field typed in own words).

    Args:
        lang: The reader's language.
        kind: The catalog prefix: ``field``, ``stage``, ``spoken`` or ``interest``.
        code: The stored value; empty or None gives an empty string.
    """
    if not code:
        return ""
    return t(lang, f"{kind}.{code}") if has(f"{kind}.{code}") else code


def facts_line(lang: str, field: str | None, stage: str | None, languages: Iterable[str]) -> str:
    """``Paediatrics · Resident · English, Spanish``, leaving out what the person left blank."""
    facts = [
        profile_label(lang, "field", field),
        profile_label(lang, "stage", stage),
        ", ".join(profile_label(lang, "spoken", code) for code in sorted(languages)),
    ]
    return " · ".join(fact for fact in facts if fact)


def short_bio(bio: str | None, limit: int = BIO_SHOWN) -> str:
    """The bio trimmed to ``limit`` characters, with an ellipsis when it was longer."""
    text = (bio or "").strip()
    return text[:limit] + ("…" if len(text) > limit else "")
