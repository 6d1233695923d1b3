from __future__ import annotations

from aiogram.exceptions import TelegramServerError
from aiogram.methods import AnswerCallbackQuery, SendMessage, SetMyCommands
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.telegram.commands import COMMANDS, set_commands
from storage.models import Account, Participant
from tests.bot.conftest import BotHarness
from tests.support.updates import TelegramUser, message_update

IRINA = TelegramUser(id=501, first_name="Ирина", language_code="ru")
JOHN = TelegramUser(id=502, first_name="John", language_code="en-GB")
NO_LANGUAGE = TelegramUser(id=503, language_code=None)


async def test_start_speaks_russian_by_default(harness: BotHarness, translator: Translator) -> None:
    for user in (IRINA, NO_LANGUAGE):
        welcome, consent = await harness.replies(user, "/start")
        assert welcome == translator.get("ru", "start-welcome")
        assert consent == translator.get("ru", "consent-text")


async def test_first_guess_of_the_language_comes_from_telegram(
    harness: BotHarness, translator: Translator
) -> None:
    assert await harness.reply_text(JOHN, "/help") == translator.get("en", "help-text")


async def test_lang_with_an_argument_is_remembered(
    harness: BotHarness, translator: Translator, session: AsyncSession
) -> None:
    assert await harness.reply_text(IRINA, "/lang en") == translator.get("en", "lang-set")
    assert await harness.reply_text(IRINA, "/help") == translator.get("en", "help-text")
    stored = await session.scalar(
        select(Participant.locale).join(Account).where(Account.external_id == 501)
    )
    assert stored == "en"
    assert await harness.reply_text(IRINA, "/lang ru") == translator.get("ru", "lang-set")


async def test_lang_offers_buttons_and_insists_on_a_known_language(
    harness: BotHarness, translator: Translator
) -> None:
    requests = await harness.send(IRINA, "/lang")
    (question,) = [r for r in requests if isinstance(r, SendMessage)]
    assert question.text == translator.get("ru", "lang-choose")
    labels = [button.text for row in question.reply_markup.keyboard for button in row]  # type: ignore[union-attr]
    assert labels == ["Русский", "English"]

    assert await harness.reply_text(IRINA, "клингонский") == translator.get("ru", "lang-unknown")
    assert await harness.reply_text(IRINA, "English") == translator.get("en", "lang-set")
    # The choice is over: the same text is now just not understood.
    assert await harness.reply_text(IRINA, "English") == translator.get("en", "fallback-text")


async def test_unknown_lang_argument_changes_nothing(
    harness: BotHarness, translator: Translator
) -> None:
    assert await harness.reply_text(IRINA, "/lang de") == translator.get("ru", "lang-unknown")
    assert await harness.reply_text(IRINA, "/help") == translator.get("ru", "help-text")


async def test_cancel_leaves_the_current_step(harness: BotHarness, translator: Translator) -> None:
    assert await harness.reply_text(IRINA, "/cancel") == translator.get("ru", "cancel-nothing")
    await harness.send(IRINA, "/lang")
    assert await harness.reply_text(IRINA, "/cancel") == translator.get("ru", "cancel-done")
    assert await harness.reply_text(IRINA, "English") == translator.get("ru", "fallback-text")


async def test_text_it_does_not_understand_gets_a_hint(
    harness: BotHarness, translator: Translator
) -> None:
    hint = translator.get("ru", "fallback-text")
    assert await harness.reply_text(IRINA, "Добрый день, когда совещание?") == hint
    assert await harness.reply_text(IRINA, "я" * 4096) == hint
    # A command nobody knows is named as such.
    assert await harness.reply_text(IRINA, "/nosuchcommand") == translator.get(
        "ru", "fallback-command"
    )
    sticker = {
        "sticker": {
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    }
    requests = await harness.send(IRINA, None, **sticker)
    assert [r.text for r in requests if isinstance(r, SendMessage)] == [hint]


async def test_a_forged_or_stale_button_is_refused_politely(
    harness: BotHarness, translator: Translator
) -> None:
    requests = await harness.press(IRINA, "survey:999:answer:1")
    (answer,) = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert answer.text == translator.get("ru", "fallback-callback")
    assert (answer.text or "").endswith("/menu")  # the way back, not registration again
    assert answer.show_alert is True


async def test_the_same_update_is_answered_once(harness: BotHarness) -> None:
    update = message_update(777, IRINA, "/help")
    first = await harness.feed(update)
    second = await harness.feed(update)
    assert len([r for r in first if isinstance(r, SendMessage)]) == 1
    assert second == []


async def test_a_failing_handler_gets_an_apology_and_the_bot_goes_on(
    harness: BotHarness, translator: Translator
) -> None:
    harness.session.fail_next(
        SendMessage, TelegramServerError(method=SendMessage(chat_id=1, text="x"), message="boom")
    )
    requests = await harness.send(IRINA, "/help")
    texts = [r.text for r in requests if isinstance(r, SendMessage)]
    # The first send failed inside the handler; the second is the apology.
    assert texts == [translator.get("ru", "help-text"), translator.get("ru", "error-apology")]
    assert await harness.reply_text(IRINA, "/help") == translator.get("ru", "help-text")


async def test_an_update_delivered_twice_is_handled_once(
    harness: BotHarness, translator: Translator, session: AsyncSession
) -> None:
    """Telegram delivers an update again when the bot did not confirm it (a crash): the
    second delivery is dropped, whether the first changed something or not."""
    changing = message_update(900, IRINA, "/lang en")
    replies = await harness.feed(changing)
    assert [r.text for r in replies if isinstance(r, SendMessage)] == [
        translator.get("en", "lang-set")
    ]
    reading = message_update(901, IRINA, "/help")
    assert len(await harness.feed(reading)) == 1
    await harness.send(IRINA, "/lang ru")
    assert await harness.feed(changing) == []
    assert await harness.feed(reading) == []
    stored = await session.scalar(
        select(Participant.locale).join(Account).where(Account.external_id == 501)
    )
    assert stored == "ru"


async def test_a_failed_update_is_not_handled_again(
    harness: BotHarness, translator: Translator
) -> None:
    harness.session.fail_next(
        SendMessage, TelegramServerError(method=SendMessage(chat_id=1, text="x"), message="boom")
    )
    failing = message_update(902, IRINA, "/help")
    assert len(await harness.feed(failing)) == 2  # the failed reply and the apology
    assert await harness.feed(failing) == []


async def test_command_menus_in_both_locales(harness: BotHarness, translator: Translator) -> None:
    await set_commands(harness.bot, translator)
    menus = {
        request.language_code: [command.command for command in request.commands]
        for request in harness.session.requests
        if isinstance(request, SetMyCommands)
    }
    assert menus == {None: list(COMMANDS), "ru": list(COMMANDS), "en": list(COMMANDS)}


def test_no_filter_runs_in_a_worker_thread(harness: BotHarness) -> None:
    """aiogram runs a plain filter (a State, F.text) through asyncio.to_thread unless it is
    awaitable: the Telegram adapter registers only `Filter` classes, which aiogram awaits
    (bot.telegram.routing), so no check pays for a thread hand-off."""
    checked = 0
    for router in harness.dispatcher.chain_tail:
        for observer in router.observers.values():
            for handler in observer.handlers:
                for item in handler.filters or ():
                    assert item.awaitable, (router.name, handler.callback, item.callback)
                    checked += 1
    assert checked > 100
