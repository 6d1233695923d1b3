"""Command menus per role, as Telegram is told them: everyone's list for private chats, and
a coordinator's own list for their chat (`BotCommandScopeChat`), set when the role is
granted and removed when it is revoked or forgotten."""

from __future__ import annotations

from aiogram.methods import DeleteMyCommands, SetMyCommands
from aiogram.types import BotCommandScopeChat
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import ConfirmJoinCb, ConsentCb, ForgetCb, PersonCb
from bot.i18n import Translator
from bot.services import registration
from bot.telegram.commands import COMMANDS, COORDINATOR_COMMANDS, set_commands
from storage.models import Role
from tests.bot.conftest import BotHarness
from tests.support.people import load_schools, municipality_id, person, telegram_id
from tests.support.updates import TelegramUser

COORDINATOR = TelegramUser(id=741, first_name="Анна")
DIRECTOR = TelegramUser(id=742, first_name="Ирина")


def chat_menus(harness: BotHarness, chat_id: int, since: int = 0) -> list[list[str] | None]:
    """What the chat's own menu was set to, in order (None: deleted, the default shows)."""
    menus: list[list[str] | None] = []
    for request in harness.session.requests[since:]:
        scope = getattr(request, "scope", None)
        if not isinstance(scope, BotCommandScopeChat) or scope.chat_id != chat_id:
            continue
        if isinstance(request, SetMyCommands):
            menus.append([command.command for command in request.commands])
        elif isinstance(request, DeleteMyCommands):
            menus.append(None)
    return menus


async def join(harness: BotHarness, user: TelegramUser, code: str, name: str) -> None:
    await harness.send(user, f"/start {code}")
    await harness.press(user, ConsentCb(accept=True))
    await harness.send(user, name)
    await harness.press(user, ConfirmJoinCb(ok=True))


async def test_a_coordinator_gets_their_menu_and_a_director_does_not(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    kirishi = await municipality_id(session, "Киришский")
    coordinator_code = await registration.create_invite(
        session, None, Role.MUNICIPAL_COORDINATOR, municipality_id=kirishi
    )
    director_code = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47001"].id]
    )

    await join(harness, COORDINATOR, coordinator_code.code, "Кириллова Анна")
    assert chat_menus(harness, COORDINATOR.id) == [list(COORDINATOR_COMMANDS)]
    own = [r for r in harness.session.requests if isinstance(r, SetMyCommands)][-1]
    assert own.commands[2].description == translator.get("ru", "cmd-requests")
    assert own.language_code is None  # in their language, whatever Telegram's is

    since = len(harness.session.requests)
    await join(harness, DIRECTOR, director_code.code, "Иванова Ирина")
    menus = chat_menus(harness, DIRECTOR.id, since)
    assert all(menu is None for menu in menus)  # the default list, without /requests
    assert "requests" not in COMMANDS

    # The command works for the coordinator and is refused to the director.
    assert await harness.reply_text(COORDINATOR, "/requests") == translator.get(
        "ru", "requests-none"
    )
    assert await harness.reply_text(DIRECTOR, "/requests") == translator.get(
        "ru", "error-access-denied"
    )


async def test_revoked_and_forgotten_coordinators_lose_their_menu(
    harness: BotHarness, session: AsyncSession
) -> None:
    regional = await person(session, Role.REGIONAL_COORDINATOR, name="Региональный Координатор")
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    since = len(harness.session.requests)
    await harness.press(
        TelegramUser(id=telegram_id(regional)), PersonCb(action="revoke-yes", id=municipal.id)
    )
    assert chat_menus(harness, telegram_id(municipal), since) == [None]

    since = len(harness.session.requests)
    await harness.send(TelegramUser(id=telegram_id(regional)), "/forget")
    await harness.press(TelegramUser(id=telegram_id(regional)), ForgetCb(step=2))
    assert chat_menus(harness, telegram_id(regional), since) == [None]


async def test_every_start_sets_the_coordinators_menus(
    harness: BotHarness, session: AsyncSession
) -> None:
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47002"]])
    await set_commands(harness.bot, Translator("ru"), await registration.coordinators(session))
    assert chat_menus(harness, telegram_id(municipal)) == [list(COORDINATOR_COMMANDS)]
    assert chat_menus(harness, telegram_id(director)) == []


async def test_a_coordinators_menu_follows_their_language(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47002"]])
    await harness.send(TelegramUser(id=telegram_id(municipal)), "/lang en")
    own = [r for r in harness.session.requests if isinstance(r, SetMyCommands)]
    assert [c.description for c in own[-1].commands] == [
        translator.get("en", f"cmd-{name}") for name in COORDINATOR_COMMANDS
    ]
    since = len(harness.session.requests)
    await harness.send(TelegramUser(id=telegram_id(director)), "/lang en")
    assert chat_menus(harness, telegram_id(director), since) == []  # the default list's own
