"""The Telegram surface: one module per conversation or concern, registered in one place."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler

from handlers import (
    account,
    away,
    broadcasts,
    checkins,
    common,
    compose,
    console,
    endings,
    exclusions,
    goals,
    gratitude,
    matching,
    onboarding,
    pairing_admin,
    pairs,
    programmes,
    questions,
    requests,
)


def register(app: Any, *, guard_group: int) -> None:
    """Add every handler to ``app`` in the order they must be tried."""
    for handler in common.early_handlers():
        app.add_handler(handler, group=guard_group)
    ordered: list[object] = [
        onboarding.conversation(),
        *account.handlers(),
        *programmes.handlers(),
        *pairs.handlers(),
        *pairing_admin.handlers(),
        *endings.handlers(),
        *away.handlers(),
        *matching.handlers(),
        *requests.handlers(),
        *exclusions.handlers(),
        *questions.handlers(),
        *gratitude.handlers(),
        *goals.handlers(),
        *checkins.handlers(),
        *broadcasts.handlers(),
        *console.handlers(),
        *compose.handlers(),
        *common.late_handlers(),
    ]
    for handler in ordered:
        assert isinstance(handler, BaseHandler)
        app.add_handler(handler)
    app.add_error_handler(common.on_error)
