"""Steps of the end-to-end journeys that several test modules take: an invite code from
the CLI, a person registering through the chat, a coordinator sending an announcement,
waiting for a condition."""

from __future__ import annotations

import asyncio

from bot.i18n import Translator
from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import ApiCall, FakeTelegram
from tests.support.updates import TelegramUser

# Four schools of one municipality and one of another: for announcements by municipality.
TWO_MUNICIPALITIES_SCHOOLS = """Код;Муниципалитет;Полное наименование
47001;Киришский;МОУ «Киришская СОШ №1»
47002;Киришский;МОУ «Киришская СОШ №2»
47003;Киришский;МОУ «Киришская СОШ №3»
47004;Киришский;МОУ «Киришская СОШ №4»
47101;Тосненский;МБОУ «Тосненская СОШ №1»
"""


async def invite(process: BotProcess, *args: str) -> str:
    output = await process.cli("invite", "create", *args)
    return output.split("?start=")[1].split()[0]


async def register(
    telegram: FakeTelegram, user: TelegramUser, t: Translator, start: str, name: str
) -> ApiCall:
    """/start, consent, name and confirmation, for someone whose start leads to the name;
    the bot's first message after the confirmation."""
    locale = user.language_code or "ru"
    since = len(telegram.calls)
    telegram.send_text(user, start)
    consent = await telegram.wait_for(
        "sendMessage",
        since=since,
        chat_id=user.id,
        where=lambda c: c.text == t.get(locale, "consent-text"),
    )
    await telegram.click(
        user, consent, t.get(locale, "button-consent-accept"), answer=t.get(locale, "join-ask-name")
    )
    card = await telegram.ask(user, name)
    assert name in card.text
    return await telegram.click(user, card, t.get(locale, "button-confirm"))


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
