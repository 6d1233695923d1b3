"""bot.telegram.bot_api: what the handlers' bot does with a 429, a 5xx or a network error, and the
start-up's attempts until Telegram answers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import AnswerCallbackQuery, GetMe, SendMessage, TelegramMethod
from aiohttp import ClientConnectorError
from aiohttp.client_reqrep import ConnectionKey

from bot.telegram.bot_api import PatientRequests, until_answered
from tests.support.recording import RecordingSession, recording_bot


@pytest.fixture
def patient() -> tuple[Bot, RecordingSession]:
    bot, session = recording_bot()
    session.middleware(PatientRequests(patience=5, quick_pause=0))
    return bot, session


def flood(method: TelegramMethod[Any], seconds: int) -> TelegramRetryAfter:
    return TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=seconds)


def no_connection(method: TelegramMethod[Any]) -> TelegramNetworkError:
    error = TelegramNetworkError(method=method, message="ClientConnectorError")
    key = ConnectionKey("api.telegram.org", 443, True, True, None, None, None, None)
    error.__cause__ = ClientConnectorError(key, ConnectionRefusedError(111, "refused"))
    return error


async def test_a_reply_waits_out_flood_control_and_goes_once(
    patient: tuple[Bot, RecordingSession],
) -> None:
    bot, session = patient
    send = SendMessage(chat_id=1, text="hi")
    session.fail_next(SendMessage, flood(send, 1))
    loop = asyncio.get_running_loop()
    started = loop.time()
    message = await bot.send_message(1, "hi")
    assert message.text == "hi"
    assert loop.time() - started >= 1  # as long as Telegram asked
    assert [type(r) for r in session.requests] == [SendMessage, SendMessage]


async def test_flood_control_longer_than_the_patience_fails_at_once(
    patient: tuple[Bot, RecordingSession],
) -> None:
    bot, session = patient
    session.fail_next(SendMessage, flood(SendMessage(chat_id=1, text="hi"), 60))
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "hi")
    assert len(session.requests) == 1


async def test_a_send_that_met_a_server_error_is_not_sent_again(
    patient: tuple[Bot, RecordingSession],
) -> None:
    bot, session = patient
    send = SendMessage(chat_id=1, text="hi")
    session.fail_next(SendMessage, TelegramServerError(method=send, message="Bad Gateway"))
    with pytest.raises(TelegramServerError):  # it may have been delivered
        await bot.send_message(1, "hi")
    assert len(session.requests) == 1


async def test_a_send_that_found_no_connection_is_made_again(
    patient: tuple[Bot, RecordingSession],
) -> None:
    bot, session = patient
    session.fail_next(SendMessage, no_connection(SendMessage(chat_id=1, text="hi")))
    assert (await bot.send_message(1, "hi")).text == "hi"
    assert len(session.requests) == 2


async def test_a_harmless_call_is_repeated_twice_after_server_errors(
    patient: tuple[Bot, RecordingSession],
) -> None:
    bot, session = patient
    answer = AnswerCallbackQuery(callback_query_id="q")
    for _ in range(2):
        session.fail_next(AnswerCallbackQuery, TelegramServerError(method=answer, message="500"))
    assert await bot.answer_callback_query("q") is True
    for _ in range(3):
        session.fail_next(GetMe, TelegramServerError(method=GetMe(), message="500"))
    with pytest.raises(TelegramServerError):
        await bot.get_me()
    assert [type(r) for r in session.requests] == [AnswerCallbackQuery] * 3 + [GetMe] * 3


async def test_start_up_tries_again_until_telegram_answers() -> None:
    bot, session = recording_bot()
    for _ in range(2):
        session.fail_next(GetMe, no_connection(GetMe()))
    assert await until_answered(bot.get_me, asyncio.Event(), first=0.01)
    assert len(session.requests) == 3


async def test_start_up_stops_waiting_when_asked() -> None:
    stopping = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, stopping.set)
    # A connection that hangs: the stop does not wait for it.
    assert not await asyncio.wait_for(until_answered(asyncio.Event().wait, stopping), 5)
