"""The bot tier: an admin sends a hostile file and gets a clear refusal that names the
limit, in the admin's language, with the way back to the menu."""

from __future__ import annotations

from aiogram.methods import GetFile, SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import MenuCb
from bot.i18n import Translator
from bot.services import school_import
from bot.services.survey_definitions import MAX_DEPTH, MAX_FILE_BYTES
from storage.models import Role
from tests.bot.conftest import BotHarness
from tests.support import hostile
from tests.support.people import person, telegram_id
from tests.support.updates import TelegramUser


def document(file_id: str, name: str, size: int) -> dict[str, object]:
    return {
        "document": {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": name,
            "file_size": size,
        }
    }


def refusal(harness: BotHarness, requests: list[object], user: TelegramUser) -> SendMessage:
    (answer,) = [r for r in requests if isinstance(r, SendMessage) and r.chat_id == user.id]
    markup = answer.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)  # the way back to the menu
    assert [b.callback_data for row in markup.inline_keyboard for b in row] == [
        MenuCb(item="main").pack()
    ]
    return answer


async def test_hostile_school_files_are_refused_with_the_limit_named(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    admin = await person(session, Role.ADMIN)
    user = TelegramUser(id=telegram_id(admin))
    await harness.press(user, MenuCb(item="import"))
    bomb = hostile.workbook_with_sheet(hostile.padded_sheet(64))
    harness.session.files["bomb"] = bomb
    requests = await harness.send(user, None, **document("bomb", "schools.xlsx", len(bomb)))
    limit = school_import.MAX_UNPACKED_BYTES >> 20
    assert refusal(harness, requests, user).text == translator.get(
        "ru", "error-import-unpacked-too-large", limit=str(limit)
    )

    endless = hostile.endless_csv(5_000_000)
    harness.session.files["endless"] = endless
    requests = await harness.send(user, None, **document("endless", "s.csv", len(endless)))
    assert refusal(harness, requests, user).text == translator.get(
        "ru", "error-import-too-many-lines", limit=str(school_import.MAX_LINES)
    )

    # Too large as announced: not even downloaded.
    requests = await harness.send(user, None, **document("huge", "s.xlsx", 50 << 20))
    assert not [r for r in requests if isinstance(r, GetFile)]
    assert refusal(harness, requests, user).text == translator.get("ru", "error-import-too-large")


async def test_hostile_survey_files_are_refused_with_the_limit_named(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    user = TelegramUser(id=telegram_id(regional))
    await harness.press(user, MenuCb(item="survey-upload"))
    bomb = hostile.alias_bomb().encode()
    harness.session.files["bomb"] = bomb
    requests = await harness.send(user, None, **document("bomb", "bomb.yaml", len(bomb)))
    assert refusal(harness, requests, user).text == translator.get(
        "ru", "survey-admin-refused-yaml-aliases", line="6"
    )

    deep = hostile.deep_yaml(50_000).encode()
    harness.session.files["deep"] = deep
    requests = await harness.send(user, None, **document("deep", "deep.yaml", len(deep)))
    assert refusal(harness, requests, user).text == translator.get(
        "ru", "survey-admin-refused-yaml-too-deep", line="2", limit=str(MAX_DEPTH)
    )

    requests = await harness.send(user, None, **document("huge", "s.yaml", MAX_FILE_BYTES + 1))
    assert not [r for r in requests if isinstance(r, GetFile)]
    assert refusal(harness, requests, user).text == translator.get(
        "ru", "survey-admin-refused-too-large", limit=str(MAX_FILE_BYTES // 1024)
    )
