"""Pure parts of the question relay: splitting at Telegram's limits, and payload shapes."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.outbox import validate_payload
from bot.services.questions import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Content,
    relay_payloads,
    split_text,
    utf16_len,
    visible_len,
)

HEADER = "❓ <b>Question from Ana &amp; Co</b>"


@given(st.text(min_size=1, max_size=9000), st.integers(min_value=2, max_value=4000))
def test_split_text_loses_nothing_and_respects_the_limit(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert "".join(pieces) == text
    assert all(utf16_len(piece) <= limit for piece in pieces)
    assert all(pieces)


def test_split_prefers_line_breaks_and_spaces() -> None:
    pieces = split_text("alpha beta\ngamma delta", 14)
    assert pieces == ["alpha beta\n", "gamma delta"]


def test_astral_characters_count_twice() -> None:
    assert utf16_len("🙂") == 2
    assert split_text("🙂" * 3, 4) == ["🙂🙂", "🙂"]


@given(st.text(min_size=1, max_size=9000).filter(str.strip))
def test_every_relayed_text_fits_one_telegram_message(words: str) -> None:
    payloads = relay_payloads(HEADER, Content("text", words))
    for payload in payloads:
        validate_payload(payload)
        assert visible_len(payload["text"]) <= TEXT_LIMIT


@given(st.sampled_from(["photo", "voice", "document"]), st.text(max_size=3000))
def test_media_captions_fit_or_follow_as_text(kind: str, caption: str) -> None:
    payloads = relay_payloads(HEADER, Content(kind, caption, "file-1"))  # type: ignore[arg-type]
    first = payloads[0]["media"]
    assert first["file_id"] == "file-1" and visible_len(first["caption"]) <= CAPTION_LIMIT
    for payload in payloads:
        validate_payload(payload)
    if len(payloads) > 1:
        assert html.unescape("".join(p["text"] for p in payloads[1:])) == caption


@pytest.mark.parametrize(
    ("kind", "text", "file_id"), [("text", "  ", None), ("photo", "caption", None)]
)
def test_content_must_carry_something(kind: str, text: str, file_id: str | None) -> None:
    with pytest.raises(ValueError, match="needs"):
        Content(kind, text, file_id)  # type: ignore[arg-type]
