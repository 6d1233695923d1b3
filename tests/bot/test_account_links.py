"""One person on two messengers, as they meet it: /me on Telegram gives a code, the code
is entered on MAX (through the MAX adapter: maxapi's updates from the fake MAX server,
dispatched over every feature's routes, with the participant found by their MAX
account), and /me shows both accounts, where messages go, and unlinks one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import InlineKeyboardMarkup
from maxapi import Bot
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.actions import AccountCb, ForgetCb
from bot.conversation.turn import Turn
from bot.i18n import Translator
from bot.max.chat import MaxChat
from bot.max.client import close_bot, make_bot
from bot.max.updates import dispatch, event_of, update_of
from bot.services import delivery, participants
from bot.services.delivery import Outgoing, Payload
from bot.settings import Settings, load_settings
from handlers.features import FEATURES
from storage.models import Account, Channel, OutboxMessage, Participant, Role
from tests.bot.conftest import ADMIN_TELEGRAM_ID, BotHarness
from tests.support.fake_max import FakeMax, MaxCall, MaxUser
from tests.support.people import load_schools, person, telegram_id
from tests.support.state import MemoryState
from tests.support.updates import TelegramUser

TOKEN = "max-test-token"
ON_MAX = MaxUser(5150)
CODE = re.compile(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4})</code>")


@pytest.fixture
def settings() -> Settings:
    # MAX runs beside Telegram: /me offers to link it.
    return load_settings(_env_file=None, admin_ids=(ADMIN_TELEGRAM_ID,), max_token=TOKEN)


class OnMax:
    """The MAX side: what the fake holds is fetched as polling would and dispatched over
    the bot's features, each update with a session of its own and the participant found
    by their MAX account, as the MAX runner will do it."""

    def __init__(
        self,
        fake: FakeMax,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        translator: Translator,
        settings: Settings,
    ) -> None:
        self.fake, self.bot = fake, bot
        self.session_factory, self.translator, self.settings = session_factory, translator, settings
        self.state = MemoryState()
        self.marker: int | None = None
        self.sent: list[MaxCall] = []

    async def send(self, text: str, user: MaxUser = ON_MAX) -> list[str]:
        """The texts the bot sends back to `text`."""
        self.fake.send_text(user, text)
        return await self.handle()

    async def press(self, action: AccountCb | ForgetCb, message: MaxCall) -> list[str]:
        self.fake.press(ON_MAX, action.pack(), message)
        return await self.handle()

    async def handle(self) -> list[str]:
        since = len(self.fake.calls)
        answer = await self.bot.get_updates(marker=self.marker, timeout=0)
        self.marker = answer["marker"]
        for raw in answer["updates"]:
            update = update_of(raw)
            assert update is not None, raw
            event = event_of(update)
            assert event is not None
            async with self.session_factory() as session:
                participant = await participants.current(
                    session, Channel.MAX, event.user_id, event.locale or "ru"
                )
                chat = MaxChat(
                    self.bot,
                    event.user_id,
                    self.translator,
                    pressed=event.pressed,
                    callback_id=event.callback_id,
                )
                turn = Turn(
                    session=session,
                    participant=participant,
                    t=self.translator.for_locale(participant.locale),
                    translator=self.translator,
                    settings=self.settings,
                    state=self.state,
                    chat=chat,
                    state_name=await self.state.get_state(),
                )
                assert await dispatch(FEATURES, event, turn)
        self.sent = [c for c in self.fake.calls[since:] if (c.method, c.path) in _SHOWING]
        return [call.text for call in self.sent if call.text]


_SHOWING = {("POST", "/messages"), ("PUT", "/messages")}


@pytest.fixture
async def on_max(
    session_factory: async_sessionmaker[AsyncSession], translator: Translator, settings: Settings
) -> AsyncIterator[OnMax]:
    fake = FakeMax(TOKEN)
    base = await fake.start()
    bot = make_bot(TOKEN, api_base=base, retries=0)
    try:
        yield OnMax(fake, bot, session_factory, translator, settings)
    finally:
        await close_bot(bot)
        await fake.stop()


def buttons(requests: list[Any]) -> dict[str, str]:
    """The inline buttons of the messages and edits among `requests`: label → data."""
    found = {}
    for request in requests:
        markup = getattr(request, "reply_markup", None)
        if isinstance(request, SendMessage | EditMessageText) and isinstance(
            markup, InlineKeyboardMarkup
        ):
            for row in markup.inline_keyboard:
                for button in row:
                    found[button.text] = str(button.callback_data)
    return found


def texts(requests: list[Any]) -> list[str]:
    return [str(r.text) for r in requests if isinstance(r, SendMessage | EditMessageText)]


async def code_from_me(harness: BotHarness, user: TelegramUser) -> str:
    shown = await harness.send(user, "/me")
    assert buttons(shown)["Связать с другим мессенджером"] == AccountCb(action="link").pack()
    [message] = texts(await harness.press(user, AccountCb(action="link")))
    assert "Откройте бота в MAX" in message
    found = CODE.search(message)
    assert found is not None, message
    assert f"<code>/link {found.group(1)}</code>" in message
    assert "15 минут" in message
    return found.group(1)


async def test_a_code_from_me_on_telegram_entered_on_max_makes_one_person(
    harness: BotHarness, on_max: OnMax, session: AsyncSession
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    user = TelegramUser(id=telegram_id(director))
    code = await code_from_me(harness, user)

    # On MAX, /link asks for the code; a wrong one may be typed again; the right one links.
    [asked] = await on_max.send("/link")
    assert asked.startswith("Отправьте код из другого мессенджера")
    [wrong] = await on_max.send("AAAA-AAAA")
    assert wrong.startswith("Такой код не найден")
    [done] = await on_max.send(code.lower())
    assert done.startswith("✅ Аккаунт связан")
    [menu] = await on_max.send("/menu")  # MAX now knows the director
    assert "директор школы" in menu
    # The code was used once.
    [used] = await on_max.send(f"/link {code}", MaxUser(5151))
    assert used.startswith("Этот код уже использован")
    session.expunge_all()
    found = await participants.current(session, Channel.MAX, ON_MAX.user_id, "ru")
    assert found.id == director.id
    assert sorted(a.channel for a in found.accounts) == [Channel.MAX, Channel.TELEGRAM]

    # /me on Telegram: both messengers, where the messages go, and the buttons for them.
    shown = await harness.send(user, "/me")
    [profile] = texts(shown)
    assert "Мессенджеры: Telegram (этот чат), MAX" in profile
    assert "Сообщения бота приходят в Telegram." in profile
    offered = buttons(shown)
    assert "Связать с другим мессенджером" not in offered
    assert offered["Получать сообщения в MAX"] == AccountCb(action="prefer", channel="max").pack()
    assert offered["Отвязать MAX"] == AccountCb(action="unlink", channel="max").pack()
    assert "Отвязать Telegram" not in offered  # not the account written from
    [stale] = texts(await harness.press(user, AccountCb(action="link")))  # an old button
    assert stale.startswith("Все мессенджеры бота уже связаны")

    # Messages to MAX from now on: the outbox queues there.
    [edited] = texts(await harness.press(user, AccountCb(action="prefer", channel="max")))
    assert "Сообщения бота приходят в MAX." in edited
    session.expunge_all()
    found = await participants.current(session, Channel.TELEGRAM, user.id, "ru")
    await delivery.enqueue(session, "test", "1", [Outgoing(found, Payload("Напоминание"))])
    queued = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "test"))
    assert queued is not None
    assert (queued.channel, queued.chat_id) == (Channel.MAX, ON_MAX.user_id)

    # Unlinking MAX asks first, then leaves Telegram alone.
    [sure] = texts(await harness.press(user, AccountCb(action="unlink", channel="max")))
    assert sure.startswith("Отвязать аккаунт в MAX?")
    [after] = texts(await harness.press(user, AccountCb(action="unlink-yes", channel="max")))
    assert "Мессенджеры:" not in after
    assert "Связать с другим мессенджером" in buttons(await harness.send(user, "/me"))
    [stranger] = await on_max.send("/menu")
    assert stranger == "Вы ещё не зарегистрированы. Отправьте /start, чтобы начать."


async def test_a_code_entered_where_the_person_already_has_an_account_is_refused(
    harness: BotHarness, on_max: OnMax, session: AsyncSession
) -> None:
    coordinator = await person(session, Role.REGIONAL_COORDINATOR)
    code = await code_from_me(harness, TelegramUser(id=telegram_id(coordinator)))
    other = await person(session, None, name="Смирнова Ольга Ивановна")  # another Telegram
    refusal = await harness.send(TelegramUser(id=telegram_id(other)), f"/link {code}")
    [said] = texts(refusal)
    assert said.startswith("У Вас уже есть аккаунт в Telegram.")
    # A MAX account registered on its own is not merged.
    separate = await participants.visit(session, Channel.MAX, ON_MAX.user_id, "ru")
    separate.role, separate.full_name = Role.CURATOR, "Петрова Анна Сергеевна"
    separate.registered_at = separate.created_at
    await session.commit()
    [refused] = await on_max.send(f"/link {code}")
    assert refused.startswith("Этот аккаунт уже зарегистрирован отдельно.")
    assert "/menu" in refused


async def test_forget_on_max_removes_the_person_with_both_accounts(
    harness: BotHarness, on_max: OnMax, session: AsyncSession
) -> None:
    coordinator = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(coordinator))
    code = await code_from_me(harness, user)
    await on_max.send(f"/link {code}")
    [warning] = await on_max.send("/forget")
    assert warning.startswith("Команда удалит")
    [sure, *_] = await on_max.press(ForgetCb(step=1), on_max.sent[0])
    assert sure.startswith("Вы уверены?")
    [done, *_] = await on_max.press(ForgetCb(step=2), on_max.sent[-1])
    assert done.startswith("✅ Ваши данные удалены")
    session.expunge_all()
    assert await session.scalar(select(func.count()).select_from(Participant)) == 0
    assert await session.scalar(select(func.count()).select_from(Account)) == 0
    [menu] = texts(await harness.send(user, "/menu"))
    assert menu.startswith("Вы ещё не зарегистрированы")
