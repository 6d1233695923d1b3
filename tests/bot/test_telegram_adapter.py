"""The Telegram adapter: routes become aiogram handlers, screens Bot API calls.

A feature of its own, declared here, runs on the real dispatcher parts (middlewares, FSM,
the press answer) with a recording bot, so each test reads the requests Telegram would get.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import (
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.actions import PickCb, SurveyCb
from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.screens import Attachment, Link, Press, Screen, Upload
from bot.conversation.turn import Turn
from bot.i18n import Translator
from bot.services import updates
from bot.settings import load_settings
from bot.telegram.chat import CAPTION_LIMIT
from bot.telegram.middlewares import AnswerAfterHandling, DbSessionMiddleware, ParticipantMiddleware
from bot.telegram.routing import router_of
from tests.support.recording import RecordingSession, recording_bot
from tests.support.updates import TelegramUser, callback_update, message_update

USER = TelegramUser(id=4242)
seen: list[Any] = []


class Asking(StateGroup):
    name = State()


routes = Routes("adapter-test")


@routes.command("ask")
async def ask(turn: Turn) -> None:
    seen.append(("ask", turn.args))
    await turn.state.set_state(Asking.name)
    await turn.show(Screen("Как Вас зовут?", choices=["Анна", "Борис"]))


@routes.text(state=Asking.name)
async def named(turn: Turn) -> None:
    seen.append(("named", turn.text, turn.html, turn.state_name))
    await turn.state.clear()
    await turn.show(Screen("Спасибо.", choices=()))


@routes.command("file")
async def file(turn: Turn) -> None:
    caption = "а" * (CAPTION_LIMIT + 1) if turn.args == "long" else "Отчёт"
    upload = Upload(b"PK\x03\x04", "report.xlsx")
    rows: list[list[Press]] = [
        [("Открыть сайт", Link("https://example.org/"))],
        [("Ещё", PickCb(field="f", value="1"))],
    ]
    await turn.show(Screen(caption, rows, Attachment(upload)))


@routes.press(SurveyCb, action={"ans", "tog"})
async def answered(turn: Turn, action: SurveyCb) -> None:
    seen.append(("answered", action))
    if action.action == "tog":
        await turn.chat.replace_buttons(())
        await turn.chat.toast("Отмечено.")
        return
    await turn.show(Screen("Следующий вопрос", [[("Да", action)]], replace=True))


@routes.press(SurveyCb)
async def other_survey_press(turn: Turn, action: SurveyCb) -> None:
    seen.append(("other", action.action))
    await turn.chat.toast("Не то.", alert=True)


@routes.press(None)
async def anything(turn: Turn, data: str) -> None:
    seen.append(("anything", data))


class Harness:
    def __init__(self, dispatcher: Dispatcher, session: RecordingSession, bot: Any) -> None:
        self.dispatcher, self.session, self.bot = dispatcher, session, bot
        self.ids = itertools.count(1)

    async def feed(self, update: dict[str, Any]) -> list[TelegramMethod[Any]]:
        since = len(self.session.requests)
        await self.dispatcher.feed_update(self.bot, Update.model_validate(update))
        return self.session.requests[since:]

    async def send(self, text: str, **extra: Any) -> list[TelegramMethod[Any]]:
        return await self.feed(message_update(next(self.ids), USER, text, **extra))

    async def press(self, data: str) -> list[TelegramMethod[Any]]:
        return await self.feed(callback_update(next(self.ids), USER, data, message_id=77))


@pytest.fixture
def adapter(session_factory: async_sessionmaker[AsyncSession], translator: Translator) -> Harness:
    seen.clear()
    bot, session = recording_bot()
    dispatcher = Dispatcher(storage=MemoryStorage())
    dispatcher["translator"] = translator
    dispatcher["settings"] = load_settings(_env_file=None)
    dispatcher.update.outer_middleware(DbSessionMiddleware(session_factory, updates.ANY_UPDATE))
    dispatcher.update.outer_middleware(ParticipantMiddleware(translator))
    dispatcher.callback_query.middleware(AnswerAfterHandling())
    dispatcher.include_router(router_of(routes))
    return Harness(dispatcher, session, bot)


async def test_a_command_and_a_typed_answer_reach_their_steps_with_the_state(
    adapter: Harness,
) -> None:
    asked = await adapter.send("/ask сейчас")
    assert seen == [("ask", "сейчас")]
    [question] = asked
    assert isinstance(question, SendMessage)
    assert isinstance(question.reply_markup, ReplyKeyboardMarkup)
    assert [b.text for b in question.reply_markup.keyboard[0]] == ["Анна", "Борис"]

    bold = [{"type": "bold", "offset": 0, "length": 4}]
    [thanks] = await adapter.send("Анна", entities=bold)
    assert seen[-1] == ("named", "Анна", "<b>Анна</b>", "Asking:name")
    assert isinstance(thanks, SendMessage)
    assert isinstance(thanks.reply_markup, ReplyKeyboardRemove)
    assert await adapter.send("Борис") == []  # the state is gone: no step takes the text


async def test_a_file_goes_with_its_caption_and_buttons_of_both_kinds(adapter: Harness) -> None:
    [document] = await adapter.send("/file")
    assert isinstance(document, SendDocument)
    assert document.caption == "Отчёт"
    markup = document.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    assert markup.inline_keyboard[0][0].url == "https://example.org/"
    assert markup.inline_keyboard[1][0].callback_data == "pick:f:1"


async def test_a_caption_too_long_for_telegram_follows_the_file_as_a_message(
    adapter: Harness,
) -> None:
    document, text = await adapter.send("/file long")
    assert isinstance(document, SendDocument)
    assert document.caption is None
    assert isinstance(text, SendMessage)
    assert len(text.text) == CAPTION_LIMIT + 1
    assert isinstance(text.reply_markup, InlineKeyboardMarkup)


async def test_a_press_replaces_the_pressed_message_and_is_answered_once(adapter: Harness) -> None:
    action = SurveyCb(action="ans", response=3, q=1, v="0")
    edit, answer = await adapter.press(action.pack())
    assert seen == [("answered", action)]
    assert isinstance(edit, EditMessageText)
    assert edit.message_id == 77
    assert edit.text == "Следующий вопрос"
    assert isinstance(answer, AnswerCallbackQuery)
    assert not answer.text


async def test_a_message_too_old_to_edit_gets_the_screen_anew(adapter: Harness) -> None:
    adapter.session.fail_next(
        EditMessageText, TelegramBadRequest(EditMessageText(text="x"), "message can't be edited")
    )
    action = SurveyCb(action="ans", response=3, q=1, v="0")
    edit, sent, answer = await adapter.press(action.pack())
    assert isinstance(edit, EditMessageText)
    assert isinstance(sent, SendMessage)
    assert sent.text == "Следующий вопрос"
    assert isinstance(answer, AnswerCallbackQuery)


async def test_toasts_and_alerts_answer_the_press(adapter: Harness) -> None:
    tog = SurveyCb(action="tog", response=3, q=1, v="0")
    drop, toast = await adapter.press(tog.pack())
    assert isinstance(drop, EditMessageReplyMarkup)
    assert drop.reply_markup is None
    assert isinstance(toast, AnswerCallbackQuery)
    assert toast.text == "Отмечено."
    assert not toast.show_alert

    [alert] = await adapter.press(SurveyCb(action="submit", response=3).pack())
    assert seen[-1] == ("other", "submit")  # the same class, another action: the next route
    assert isinstance(alert, AnswerCallbackQuery)
    assert alert.show_alert
    assert alert.text == "Не то."


@pytest.mark.parametrize("data", ["sv:ans:99999999999:0:0:1:0", "sv:ans:3", "nonsense"])
async def test_data_that_does_not_unpack_reaches_only_the_catch_all(
    adapter: Harness, data: str
) -> None:
    [answer] = await adapter.press(data)
    assert seen == [("anything", data)]
    assert isinstance(answer, AnswerCallbackQuery)
