"""The user's side of the fake: people and groups that talk to the bot and read its replies.

A test acts through `FakeUser` (a private chat whose id is the user id) and `FakeGroup`: their
``send*`` methods queue the updates Telegram would deliver, and ``inbox``/``receive`` expose
what the bot sent back. All waiting is bounded by timeouts and fails with a description of what
the chat actually contains, so a broken conversation reads clearly in the test output.
"""

# Waiting methods take `timeout=` on purpose: it is the documented test-facing API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from .models import JSON, BotMessage, CallbackAnswer
from .validation import command_entities

if TYPE_CHECKING:
    from .api import BotApi


class FakeChat:
    """A chat the bot can write to; the shared part of `FakeUser` and `FakeGroup`.

    Attributes:
        id: Chat id.
        inbox: Every message the bot sent to this chat, in order; edits apply in place.
        blocked: Whether the bot is blocked here (only users can block).
    """

    def __init__(self, api: BotApi, chat_id: int) -> None:
        self._api = api
        self.id = chat_id
        self.inbox: list[BotMessage] = []
        self.blocked = False
        self._user_messages: dict[int, JSON] = {}
        self._bot_messages: dict[int, BotMessage] = {}
        self._last_message_id = 0
        self._cursor = 0
        self._seen_edits: dict[int, int] = {}

    @property
    def chat_id(self) -> int:
        """Chat id (same as `id`)."""
        return self.id

    def to_telegram(self) -> JSON:
        """The Chat JSON of this chat."""
        raise NotImplementedError

    def next_message_id(self) -> int:
        """Allocates a message id; users and the bot share one sequence per chat."""
        self._last_message_id += 1
        return self._last_message_id

    def add_bot_message(self, message: BotMessage) -> None:
        """Records a message the bot sent here."""
        self.inbox.append(message)
        self._bot_messages[message.message_id] = message

    def bot_message(self, message_id: int) -> BotMessage | None:
        """The bot's message with this id, deleted or not."""
        return self._bot_messages.get(message_id)

    def message_json(self, message_id: int) -> JSON | None:
        """Current JSON of any message in this chat that still exists."""
        if message_id in self._user_messages:
            return self._user_messages[message_id]
        message = self._bot_messages.get(message_id)
        return None if message is None or message.deleted else message.to_telegram()

    def delete_message(self, message_id: int) -> bool:
        """Deletes a message; returns False if there was none to delete."""
        if self._user_messages.pop(message_id, None) is not None:
            return True
        message = self._bot_messages.get(message_id)
        if message is None or message.deleted:
            return False
        message.deleted = True
        return True

    async def receive(self, timeout: float = 5.0) -> BotMessage:
        """Returns the next bot message not yet returned by `receive`.

        Raises:
            TimeoutError: If none arrives within ``timeout`` seconds.
        """
        if not await self._api.changed.wait_for(lambda: len(self.inbox) > self._cursor, timeout):
            raise TimeoutError(
                f"no new bot message in chat {self.id} within {timeout}s; {self._recent()}"
            )
        message = self.inbox[self._cursor]
        self._cursor += 1
        self._seen_edits[message.message_id] = message.edit_count
        return message

    async def receive_text(self, timeout: float = 5.0) -> str:
        """Like `receive`, returning the text (or caption) as the bot sent it.

        Raises:
            AssertionError: If the next message has neither text nor caption.
        """
        message = await self.receive(timeout)
        if message.text is None:
            raise AssertionError(f"expected text, got {message.describe()}")
        return message.text

    async def nothing_more(self, within: float = 0.3) -> None:
        """Asserts no unread bot message arrives within ``within`` seconds."""
        if await self._api.changed.wait_for(lambda: len(self.inbox) > self._cursor, within):
            unread = "; ".join(m.describe() for m in self.inbox[self._cursor :])
            raise AssertionError(f"expected no more bot messages in chat {self.id}, got: {unread}")

    async def wait_edited(self, message: BotMessage, timeout: float = 5.0) -> BotMessage:
        """Waits until ``message`` was edited since this chat last saw it.

        "Last saw" is when `receive` returned it or `wait_edited` last returned for it, so an
        edit that lands before this call is not missed.

        Raises:
            TimeoutError: If no new edit happens within ``timeout`` seconds.
        """
        seen = self._seen_edits.get(message.message_id, 0)
        if not await self._api.changed.wait_for(lambda: message.edit_count > seen, timeout):
            raise TimeoutError(
                f"{message.describe()} was not edited within {timeout}s "
                f"(edits so far: {message.edit_count})"
            )
        self._seen_edits[message.message_id] = message.edit_count
        return message

    def _recent(self) -> str:
        if not self.inbox:
            return "the bot has sent nothing here"
        return "latest bot messages: " + "; ".join(m.describe() for m in self.inbox[-5:])

    def _post(self, sender: FakeUser, content: JSON) -> JSON:
        """Queues a message update from ``sender`` in this chat and returns the message."""
        message = {
            "message_id": self.next_message_id(),
            "from": sender.to_user(),
            "chat": self.to_telegram(),
            "date": int(time.time()),
            **content,
        }
        self._user_messages[message["message_id"]] = message
        self._api.enqueue("message", message)
        return message


def _text_content(text: str) -> JSON:
    entities = command_entities(text)
    return {"text": text, "entities": entities} if entities else {"text": text}


def _caption(caption: str | None) -> JSON:
    return {} if caption is None else {"caption": caption}


class FakeUser(FakeChat):
    """A Telegram user and their private chat with the bot (chat id == user id)."""

    def __init__(
        self,
        api: BotApi,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> None:
        super().__init__(api, user_id)
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    def to_user(self) -> JSON:
        """The User JSON of this user."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        user.update({key: value for key, value in optional.items() if value is not None})
        return user

    def to_telegram(self) -> JSON:
        """The private Chat JSON of this user's chat with the bot."""
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        optional = {"last_name": self.last_name, "username": self.username}
        chat.update({key: value for key, value in optional.items() if value is not None})
        return chat

    async def send(self, text: str) -> JSON:
        """Sends a text message; a leading ``/command`` gets its bot_command entity."""
        return self._post(self, _text_content(text))

    async def reply(self, to: BotMessage, text: str) -> JSON:
        """Sends a text message replying to the bot's message ``to``."""
        return self._post(self, {**_text_content(text), "reply_to_message": to.to_telegram()})

    async def send_photo(self, caption: str | None = None) -> JSON:
        """Sends a photo (two sizes, like Telegram)."""
        _, sizes = self._api.register_media("photo")
        return self._post(self, {"photo": sizes, **_caption(caption)})

    async def send_voice(self, duration: int = 3) -> JSON:
        """Sends a voice note of ``duration`` seconds."""
        _, voice = self._api.register_media("voice", duration=duration)
        return self._post(self, {"voice": voice})

    async def send_document(
        self,
        file_name: str = "notes.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> JSON:
        """Sends a document."""
        _, document = self._api.register_media(
            "document", file_name=file_name, mime_type=mime_type
        )
        return self._post(self, {"document": document, **_caption(caption)})

    async def send_sticker(self) -> JSON:
        """Sends a regular static sticker."""
        _, sticker = self._api.register_media("sticker")
        return self._post(self, {"sticker": sticker})

    async def send_location(self, latitude: float, longitude: float) -> JSON:
        """Shares a location."""
        return self._post(self, {"location": {"latitude": latitude, "longitude": longitude}})

    async def send_contact(self, phone_number: str) -> JSON:
        """Shares the user's own contact, as the "share my phone number" button does."""
        contact = {"phone_number": phone_number, "first_name": self.first_name, "user_id": self.id}
        return self._post(self, {"contact": contact})

    async def press(
        self, button: str, *, message: BotMessage | None = None, timeout: float = 5.0
    ) -> CallbackAnswer:
        """Presses an inline button and waits for the bot's answerCallbackQuery.

        Args:
            button: Exact button text or callback_data.
            message: Message carrying the button; defaults to the newest bot message in this
                chat with an inline keyboard.
            timeout: Seconds to wait for the answer.

        Raises:
            AssertionError: If there is no such button.
            TimeoutError: If the bot does not answer the query in time.
        """
        if message is None:
            message = next((m for m in reversed(self.inbox) if m.has_inline_keyboard), None)
            if message is None:
                raise AssertionError(
                    f"no bot message with an inline keyboard in chat {self.id}; {self._recent()}"
                )
        if message.deleted:
            raise AssertionError(f"cannot press {button!r}: {message.describe()}")
        rows = message.buttons if message.has_inline_keyboard else []
        found = next((b for row in rows for b in row if button in (b.text, b.callback_data)), None)
        if found is None or found.callback_data is None:
            available = [[(b.text, b.callback_data or b.url) for b in row] for row in rows]
            reason = "has no callback_data" if found else "not found"
            raise AssertionError(
                f"button {button!r} {reason} on {message.describe()}; "
                f"available (text, data/url): {available}"
            )
        return await self.press_data(found.callback_data, message, timeout=timeout)

    async def press_data(
        self, data: str, message: BotMessage, timeout: float = 5.0
    ) -> CallbackAnswer:
        """Sends a callback query with arbitrary (e.g. forged or stale) ``data`` on ``message``.

        Raises:
            TimeoutError: If the bot does not answer the query in time.
        """
        answer = self._api.open_callback_query(self, message, data)
        try:
            async with asyncio.timeout(timeout):
                return await answer
        except TimeoutError:
            raise TimeoutError(
                f"the bot did not answer the callback query {data!r} on {message.describe()} "
                f"within {timeout}s"
            ) from None

    def block(self, *, notify: bool = True) -> None:
        """Blocks the bot: sends now fail with 403 and the bot gets a my_chat_member update.

        ``notify=False`` leaves that update out (it can be lost, e.g. when the account is
        deleted): the bot then learns of the block only from a failed send.
        """
        self._set_blocked(True, notify=notify)

    def unblock(self) -> None:
        """Unblocks the bot (a my_chat_member update from kicked back to member)."""
        self._set_blocked(False)

    def _set_blocked(self, blocked: bool, *, notify: bool = True) -> None:
        if self.blocked == blocked:
            return
        self.blocked = blocked
        if not notify:
            return
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        self._api.enqueue(
            "my_chat_member",
            {
                "chat": self.to_telegram(),
                "from": self.to_user(),
                "date": int(time.time()),
                "old_chat_member": self._api.chat_member(old),
                "new_chat_member": self._api.chat_member(new),
            },
        )


class FakeGroup(FakeChat):
    """A basic group the bot is a member of (negative chat id)."""

    def __init__(self, api: BotApi, chat_id: int, title: str) -> None:
        super().__init__(api, chat_id)
        self.title = title

    def to_telegram(self) -> JSON:
        """The Chat JSON of this group."""
        return {"id": self.id, "type": "group", "title": self.title}

    async def send(self, from_user: FakeUser, text: str) -> JSON:
        """Posts a text message from ``from_user`` in the group."""
        return self._post(from_user, _text_content(text))
