"""Steps of the end-to-end journeys that several test modules take: an invite code from
the CLI, a person registering through the chat, a coordinator sending an announcement,
waiting for a condition.

A person is driven through the same verbs on either messenger (`OnTelegram`, `OnMax`):
`start` (the bot opened, by an invite link or not), `send`, `ask`, `click` a button of a
message, wait for the `next_message`; so one journey runs on both, parametrised over the
channel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from bot.i18n import Translator
from storage.models import Channel
from tests.support.bot_process import BotProcess
from tests.support.fake_max import FakeMax, MaxCall, MaxUser
from tests.support.fake_telegram import ApiCall, FakeTelegram
from tests.support.updates import TelegramUser

# A message the bot sent the person, as its fake recorded it (its `.text` in both).
Said = ApiCall | MaxCall


class Person(Protocol):
    channel: Channel
    locale: str

    def mark(self) -> int:
        """Where the fake's record stands now: `next_message` looks after it."""

    def start(self, payload: str | None = None) -> None:
        """Opens the bot, by a link with `?start=<payload>` or without one."""

    def send(self, text: str) -> None: ...

    async def next_message(self, since: int, where: Callable[[Said], bool] | None = None) -> Said:
        """The bot's first message to the person after `since` (that `where` accepts)."""

    async def ask(self, text: str) -> Said:
        """Sends `text` and waits for the bot's next message."""

    async def click(self, message: Said, label: str, *, answer: str | None = None) -> Said:
        """Presses the button `label` (exactly, or containing it) under `message`; the bot's
        next message (with the text `answer`, when given)."""

    async def choose(self, message: Said, label: str) -> Said:
        """Presses the button `label` under `message` and waits for the bot to put the next
        step in its place (the message edited); the message as it now reads."""

    async def toggle(self, message: Said, label: str) -> None:
        """Presses the button `label` under `message` and waits for the press's answer."""

    def labels(self, message: Said) -> list[str]:
        """The labels of the message's buttons, row by row."""

    async def answer(self, message: Said, label: str) -> str:
        """Presses the button `label` under `message`; the text of the press's answer (the
        toast)."""

    def received(self, since: int = 0, containing: str = "") -> list[Said]:
        """Every message the messenger delivered to the person after `since` (any kind: a
        document's caption counts as its text) whose text holds `containing`."""

    def has_document(self, message: Said) -> bool:
        """Whether the message carries a document."""

    def block(self) -> None:
        """The person blocks the bot: their messenger refuses every message to them."""


class OnTelegram:
    channel = Channel.TELEGRAM

    def __init__(self, telegram: FakeTelegram, user: TelegramUser) -> None:
        self.telegram = telegram
        self.user = user
        self.locale = user.language_code or "ru"

    def mark(self) -> int:
        return len(self.telegram.calls)

    def start(self, payload: str | None = None) -> None:
        self.send(f"/start {payload}" if payload else "/start")

    def send(self, text: str) -> None:
        self.telegram.send_text(self.user, text)

    async def next_message(self, since: int, where: Callable[[Said], bool] | None = None) -> Said:
        return await self.telegram.wait_for(
            "sendMessage", since=since, chat_id=self.user.id, where=where
        )

    async def ask(self, text: str) -> Said:
        return await self.telegram.ask(self.user, text)

    async def click(self, message: Said, label: str, *, answer: str | None = None) -> Said:
        assert isinstance(message, ApiCall)
        return await self.telegram.click(self.user, message, label, answer=answer)

    async def choose(self, message: Said, label: str) -> Said:
        assert isinstance(message, ApiCall)
        since, pressed = len(self.telegram.calls), message.result["message_id"]
        self.telegram.press(self.user, self.telegram.button(message, label), message)
        edited = await self.telegram.wait_for("editMessageText", since=since, chat_id=self.user.id)
        assert int(edited.params["message_id"]) == pressed
        return edited

    async def toggle(self, message: Said, label: str) -> None:
        assert isinstance(message, ApiCall)
        since = len(self.telegram.calls)
        self.telegram.press(self.user, self.telegram.button(message, label), message)
        await self.telegram.wait_for("answerCallbackQuery", since=since)

    def labels(self, message: Said) -> list[str]:
        assert isinstance(message, ApiCall)
        return [str(button.get("text")) for button in message.buttons()]

    async def answer(self, message: Said, label: str) -> str:
        assert isinstance(message, ApiCall)
        pressed = self.telegram.press(self.user, self.telegram.button(message, label), message)
        return str((await self.telegram.answer_to(pressed)).params.get("text", ""))

    def received(self, since: int = 0, containing: str = "") -> list[Said]:
        return [
            call
            for call in self.telegram.calls[since:]
            if call.method.startswith("send")
            and call.result is not None
            and call.chat_id == self.user.id
            and containing in str(call.params.get("text") or call.params.get("caption") or "")
        ]

    def has_document(self, message: Said) -> bool:
        assert isinstance(message, ApiCall)
        return message.method == "sendDocument"

    def block(self) -> None:
        self.telegram.block(self.user.id)


class OnMax:
    channel = Channel.MAX

    def __init__(self, max_api: FakeMax, user: MaxUser, locale: str = "ru") -> None:
        self.max_api = max_api
        self.user = user
        self.locale = locale  # what MAX says in `user_locale` (the fake: ru)

    def mark(self) -> int:
        return len(self.max_api.calls)

    def start(self, payload: str | None = None) -> None:
        self.max_api.start_bot(self.user, payload=payload)

    def send(self, text: str) -> None:
        self.max_api.send_text(self.user, text)

    async def next_message(self, since: int, where: Callable[[Said], bool] | None = None) -> Said:
        def found() -> MaxCall | None:
            to = ("POST", "/messages", self.user.user_id)
            for call in self.max_api.calls[since:]:
                if (call.method, call.path, call.user_id) != to:
                    continue
                if call.result is not None and (where is None or where(call)):
                    return call
            return None

        def describe() -> str:
            seen = [f"{c.method} {c.path} {c.text[:60]!r}" for c in self.max_api.calls[since:]]
            return f"no message to {self.user.user_id}; got {seen}"

        return await self.max_api.wait_until(found, 15.0, describe)

    async def ask(self, text: str) -> Said:
        since = self.mark()
        self.send(text)
        return await self.next_message(since)

    async def click(self, message: Said, label: str, *, answer: str | None = None) -> Said:
        assert isinstance(message, MaxCall)
        since = self.mark()
        self.max_api.press(self.user, self.payload(message, label), message)
        return await self.next_message(
            since, (lambda c: c.text == answer) if answer is not None else None
        )

    async def choose(self, message: Said, label: str) -> Said:
        assert isinstance(message, MaxCall)
        since, pressed = self.mark(), message.mid
        self.max_api.press(self.user, self.payload(message, label), message)

        def found() -> MaxCall | None:
            for call in self.max_api.calls[since:]:
                edit = (call.method, call.path) == ("PUT", "/messages") and call.result is not None
                if edit and call.query.get("message_id") == pressed and "text" in (call.body or {}):
                    return call
            return None

        edit = await self.max_api.wait_until(found, 15.0, lambda: f"{pressed} not edited")
        # The message as MAX now shows it: the same ids, the edit's text and buttons.
        original = message.result["message"]
        body = {**original["body"], "text": edit.text, "attachments": edit.attachments}
        shown = {"message": {**original, "body": body}}
        return MaxCall(edit.method, edit.path, edit.query, edit.body, result=shown)

    async def toggle(self, message: Said, label: str) -> None:
        assert isinstance(message, MaxCall)
        since = self.mark()
        self.max_api.press(self.user, self.payload(message, label), message)
        await self.max_api.wait_for("POST", "/answers", since=since)

    def labels(self, message: Said) -> list[str]:
        assert isinstance(message, MaxCall)
        return [str(button.get("text")) for row in message.keyboard() for button in row]

    async def answer(self, message: Said, label: str) -> str:
        assert isinstance(message, MaxCall)
        since = self.mark()
        pressed = self.max_api.press(self.user, self.payload(message, label), message)
        callback_id = pressed["callback"]["callback_id"]

        def found() -> MaxCall | None:
            for call in self.max_api.calls[since:]:
                route = (call.method, call.path) == ("POST", "/answers")
                if route and call.query.get("callback_id") == callback_id:
                    return call
            return None

        answered = await self.max_api.wait_until(found, 15.0, lambda: f"{label!r} not answered")
        return str((answered.body or {}).get("notification") or "")

    def received(self, since: int = 0, containing: str = "") -> list[Said]:
        return [
            call
            for call in self.max_api.calls[since:]
            if (call.method, call.path, call.user_id) == ("POST", "/messages", self.user.user_id)
            and call.result is not None
            and containing in call.text
        ]

    def has_document(self, message: Said) -> bool:
        assert isinstance(message, MaxCall)
        return any(attachment.get("type") == "file" for attachment in message.attachments)

    def block(self) -> None:
        self.max_api.block(self.user.user_id)

    def payload(self, message: MaxCall, label: str) -> str:
        buttons = [button for row in message.keyboard() for button in row]
        for exact in (True, False):
            for button in buttons:
                text = str(button.get("text"))
                if (text == label if exact else label in text) and "payload" in button:
                    return str(button["payload"])
        labels = [button.get("text") for button in buttons]
        raise AssertionError(f"no button {label!r} under {message.text[:60]!r}; there are {labels}")


# Four schools of one municipality and one of another: for announcements by municipality.
TWO_MUNICIPALITIES_SCHOOLS = """Код;Муниципалитет;Полное наименование
47001;Киришский;МОУ «Киришская СОШ №1»
47002;Киришский;МОУ «Киришская СОШ №2»
47003;Киришский;МОУ «Киришская СОШ №3»
47004;Киришский;МОУ «Киришская СОШ №4»
47101;Тосненский;МБОУ «Тосненская СОШ №1»
"""


def bot_on(
    channel: Channel,
    telegram: FakeTelegram,
    max_api: FakeMax,
    workdir: Path,
    first_name: str = "Ирина",
    last_name: str = "Иванова",
) -> tuple[BotProcess, Callable[[int], Person]]:
    """A bot process on `channel` alone (on MAX: BOT_TOKEN unset), and how to make a person
    there by their id (a Telegram id, a MAX user id)."""
    if channel is Channel.MAX:
        process = BotProcess(None, workdir, max_api=max_api)
        return process, lambda user_id: OnMax(max_api, MaxUser(user_id, first_name, last_name))
    process = BotProcess(telegram, workdir)
    return process, lambda user_id: OnTelegram(
        telegram, TelegramUser(id=user_id, first_name=first_name, language_code="ru")
    )


def person_on(
    channel: Channel,
    telegram: FakeTelegram,
    max_api: FakeMax,
    user_id: int,
    first_name: str = "Ирина",
    last_name: str = "Иванова",
) -> Person:
    """Someone on `channel` (by their Telegram id or MAX user id), for a bot process that
    serves both messengers (`both_messengers`)."""
    if channel is Channel.MAX:
        return OnMax(max_api, MaxUser(user_id, first_name, last_name))
    return OnTelegram(telegram, TelegramUser(id=user_id, first_name=first_name, language_code="ru"))


def both_messengers(telegram: FakeTelegram, max_api: FakeMax, workdir: Path) -> BotProcess:
    """One bot process on Telegram and on MAX (BOT_TOKEN and MAX_TOKEN set): a coordinator
    on Telegram reaches people on either."""
    return BotProcess(telegram, workdir, max_api=max_api)


async def invite(process: BotProcess, *args: str) -> str:
    output = await process.cli("invite", "create", *args)
    return output.split("?start=")[1].split()[0]


async def join(person: Person, t: Translator, name: str, invite: str | None = None) -> Said:
    """The bot opened (with the `invite` code), consent, name and confirmation, for someone
    whose start leads to the name; the bot's first message after the confirmation."""
    locale = person.locale
    since = person.mark()
    person.start(invite)
    consent = await person.next_message(since, lambda c: c.text == t.get(locale, "consent-text"))
    await person.click(
        consent, t.get(locale, "button-consent-accept"), answer=t.get(locale, "join-ask-name")
    )
    card = await person.ask(name)
    assert name in card.text
    return await person.click(card, t.get(locale, "button-confirm"))


async def register(
    telegram: FakeTelegram, user: TelegramUser, t: Translator, start: str, name: str
) -> ApiCall:
    """`join` on Telegram, started by typing `start` («/start» or «/start <code>»)."""
    done = await join(OnTelegram(telegram, user), t, name, start.partition(" ")[2] or None)
    assert isinstance(done, ApiCall)
    return done


async def announce(
    telegram: FakeTelegram,
    t: Translator,
    text: str,
    *,
    acknowledge: bool,
    document: bool,
    recipients: int,
    coordinator: TelegramUser,
    audience: str = "audience-director",
) -> ApiCall:
    """The coordinator composes and sends an announcement to directors (or another
    `audience` of the wizard); the progress message."""
    menu = await telegram.ask(coordinator, "/menu")
    history = await telegram.click(coordinator, menu, t.get("ru", "menu-broadcasts"))
    await telegram.click(
        coordinator,
        history,
        t.get("ru", "button-new-broadcast"),
        answer=t.get("ru", "broadcast-ask-content"),
    )
    since = len(telegram.calls)
    if document:
        telegram.upload(coordinator, "prikaz.pdf", b"%PDF-1.4 the order", caption=text)
    else:
        telegram.send_text(coordinator, text)
    audiences = await telegram.wait_for("sendMessage", since=since, chat_id=coordinator.id)
    ack = await telegram.click(coordinator, audiences, t.get("ru", audience))
    assert ack.text.startswith(t.get("ru", "broadcast-audience-size", count=recipients))
    when = await telegram.click(
        coordinator, ack, t.get("ru", "button-yes" if acknowledge else "button-no")
    )
    since = len(telegram.calls)
    telegram.press(coordinator, telegram.button(when, t.get("ru", "button-send-now")), when)
    confirm = await telegram.wait_for(
        "sendMessage",
        since=since,
        chat_id=coordinator.id,
        where=lambda c: c.text.startswith("Получателей"),
    )
    return await telegram.click(coordinator, confirm, t.get("ru", "button-broadcast-send"))


async def wait_until(condition: object, timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.1)
