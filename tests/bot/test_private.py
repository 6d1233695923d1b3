"""The bot works in private chats only, and a person is kept only with their consent:
nothing with personal data goes to a group, and after /forget nothing of them remains."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram.methods import AnswerCallbackQuery, SendMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.actions import ConsentCb, ForgetCb, MenuCb
from bot.i18n import Translator
from bot.services import broadcasts
from bot.services.audience import Audience
from bot.services.delivery import Payload
from storage.models import Account, Base, Participant, Role
from tests.bot.conftest import BotHarness
from tests.support.people import load_schools, person, telegram_id
from tests.support.updates import BOT_USER, TelegramUser

GROUP_ID = -1001234567890
GROUP: dict[str, Any] = {"id": GROUP_ID, "type": "supergroup", "title": "Директора Кириш"}
CHANNEL_ID = -1009876543210
CHANNEL: dict[str, Any] = {"id": CHANNEL_ID, "type": "channel", "title": "Новости"}
_ids = itertools.count(5_000)


def _group_press(user: TelegramUser, data: str) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": user.as_dict(),
            "chat_instance": "group",
            "data": data,
            "message": {
                "message_id": 7,
                "date": int(time.time()),
                "chat": GROUP,
                "from": BOT_USER,
                "text": "…",
            },
        },
    }


async def test_in_a_group_the_bot_says_once_that_it_works_in_private_and_shows_nothing(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]], name="Директорова Анна")
    municipal = await person(
        session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский", name="Координатова Мария"
    )
    user = TelegramUser(id=telegram_id(municipal))
    requests: list[Any] = []
    for text in ("/menu", "/me", "Добрый день, коллеги", "/start"):
        requests += await harness.send(user, text, chat=GROUP)
    requests += await harness.feed(_group_press(user, MenuCb(item="schools").pack()))

    to_group = [r for r in requests if getattr(r, "chat_id", None) == GROUP_ID]
    assert to_group == [SendMessage(chat_id=GROUP_ID, text=translator.get("ru", "private-only"))]
    (answer,) = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert answer.show_alert
    assert answer.text == translator.get("ru", "private-only-button")
    assert len(requests) == 2  # nothing else at all, to the group or elsewhere
    for request in requests:
        assert "Директорова" not in str(request)
        assert "Координатова" not in str(request)

    # A command in another group is explained there, once too.
    other = {**GROUP, "id": GROUP_ID - 1}
    first = await harness.send(user, "/menu", chat=other)
    again = await harness.send(user, "/menu", chat=other)
    assert [r.chat_id for r in first] == [GROUP_ID - 1]
    assert again == []


async def test_a_channel_and_membership_updates_are_handled_quietly(
    harness: BotHarness, session_factory: async_sessionmaker[AsyncSession], translator: Translator
) -> None:
    stranger = TelegramUser(id=4242, language_code="en")
    post = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": CHANNEL,
        "sender_chat": CHANNEL,
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    requests = await harness.feed({"update_id": next(_ids), "channel_post": post})
    assert requests == [SendMessage(chat_id=CHANNEL_ID, text=translator.get("ru", "private-only"))]
    member = {"user": BOT_USER, "status": "member"}
    added = {
        "chat": GROUP,
        "from": stranger.as_dict(),
        "date": int(time.time()),
        "old_chat_member": {**member, "status": "left"},
        "new_chat_member": member,
    }
    assert await harness.feed({"update_id": next(_ids), "my_chat_member": added}) == []
    assert await harness.feed({"update_id": next(_ids), "chat_member": added}) == []
    assert (
        await harness.feed(
            {"update_id": next(_ids), "my_chat_member": {**added, "chat": stranger.chat()}}
        )
        == []
    )
    async with session_factory() as fresh:
        assert (await fresh.scalars(select(Participant))).all() == []


async def _everything_stored(factory: async_sessionmaker[AsyncSession]) -> str:
    """Every row of every table, as text."""
    rows = []
    async with factory() as fresh:
        for table in Base.metadata.sorted_tables:
            rows += [f"{table.name}: {tuple(row)}" for row in await fresh.execute(table.select())]
    return "\n".join(rows)


TELEGRAM_ID = 777_000_111


async def test_after_forget_no_row_and_no_telegram_id_remains_anywhere(
    harness: BotHarness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
) -> None:
    await load_schools(session)
    coordinator = await person(
        session, Role.REGIONAL_COORDINATOR, name="Забываемая Ольга", telegram_id=TELEGRAM_ID
    )
    user = TelegramUser(id=TELEGRAM_ID)
    # An announcement with its progress message in her chat, and a conversation under way.
    now = datetime.now(UTC)
    broadcast = await broadcasts.create(
        session,
        coordinator,
        text="Объявление",
        send_at=now + timedelta(days=1),
        audience=Audience(roles=(Role.REGIONAL_COORDINATOR,)),
        render=lambda b, p: Payload(b.text),
    )
    await broadcasts.remember_progress_message(session, broadcast, TELEGRAM_ID, 55)
    await harness.press(user, MenuCb(item="broadcast-new"))
    assert str(TELEGRAM_ID) in await _everything_stored(session_factory)

    await harness.send(user, "/forget")
    await harness.press(user, ForgetCb(step=1))
    replies = await harness.press(user, ForgetCb(step=2))
    assert translator.get("ru", "forget-done") in [r.text for r in replies if hasattr(r, "text")]
    # Whatever she sends afterwards creates nothing until she consents again.
    for text in ("Здравствуйте", "/menu", "/me", "/surveys", "/schedule", "/help", "/start"):
        assert await harness.replies(user, text)
    await harness.press(user, MenuCb(item="main"))
    await harness.press(user, ConsentCb(accept=False))
    stored = await _everything_stored(session_factory)
    assert str(TELEGRAM_ID) not in stored
    assert "Забываемая" not in stored
    async with session_factory() as fresh:
        assert (await fresh.scalars(select(Participant.id))).all() == []
        assert (await fresh.scalars(select(Account.external_id))).all() == []


async def test_only_consent_or_a_language_choice_stores_a_newcomer(
    harness: BotHarness, session_factory: async_sessionmaker[AsyncSession], translator: Translator
) -> None:
    newcomer = TelegramUser(id=TELEGRAM_ID + 1, language_code="en")

    async def stored() -> list[tuple[int, str]]:
        async with session_factory() as fresh:
            rows = await fresh.execute(
                select(Account.external_id, Participant.locale).join(Account.participant)
            )
            return [(row.external_id, row.locale) for row in rows.all()]

    assert await harness.replies(newcomer, "Hello") == [translator.get("en", "fallback-text")]
    assert await harness.replies(newcomer, "/help")
    assert await stored() == []
    # A language chosen is a choice to remember: the id and the language, nothing more.
    assert await harness.replies(newcomer, "/lang ru") == [translator.get("ru", "lang-set")]
    assert await stored() == [(newcomer.id, "ru")]
    await harness.send(newcomer, "/forget")
    await harness.press(newcomer, ForgetCb(step=2))
    assert await stored() == []
