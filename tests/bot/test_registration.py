"""Joining and the coordinators' tools, driven through the real dispatcher."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from aiogram.exceptions import TelegramServerError
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.actions import (
    ConfirmJoinCb,
    ConsentCb,
    ForgetCb,
    MunicipalityCb,
    PersonCb,
    RequestCb,
    RoleCb,
    SchoolCb,
)
from bot.i18n import Translator
from bot.services import registration
from scheduler.delivery import DeliveryLoop
from storage.models import (
    Account,
    Channel,
    JoinRequest,
    OutboxMessage,
    OutboxStatus,
    Participant,
    Role,
)
from storage.repositories.outbox import OutboxRepository
from storage.types import utcnow
from tests.bot.conftest import ADMIN_TELEGRAM_ID, BotHarness
from tests.support.people import (
    REQUEST_NOTICE,
    load_schools,
    municipality_id,
    person,
    telegram_id,
)
from tests.support.updates import TelegramUser

NEWCOMER = TelegramUser(id=700, first_name="Ирина")


def buttons(message: SendMessage) -> list[str]:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return [button.text for row in markup.inline_keyboard for button in row]


def user_of(participant: Participant) -> TelegramUser:
    return TelegramUser(id=telegram_id(participant))


async def stored(session: AsyncSession, external_id: int) -> Participant | None:
    # The bot changed the row in its own session: read it afresh.
    return await session.scalar(
        select(Participant)
        .join(Account)
        .where(Account.channel == Channel.TELEGRAM, Account.external_id == external_id)
        .execution_options(populate_existing=True)
    )


async def deliver(
    harness: BotHarness,
    session_factory: async_sessionmaker[AsyncSession],
    after: timedelta = timedelta(),
) -> None:
    """One round of the delivery loop, `after` from now (past the pause of a retry)."""
    loop = DeliveryLoop(harness.bot, session_factory, rate=1000, clock=lambda: utcnow() + after)
    await loop.drain_once()


async def outbox(session: AsyncSession, kind: str) -> list[OutboxMessage]:
    found = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == kind)
        .execution_options(populate_existing=True)
    )
    return list(found)


def telegram_down_for(harness: BotHarness, user: TelegramUser) -> None:
    """Every request to the user's chat fails with a 5xx until `telegram_up_for`."""
    method = SendMessage(chat_id=user.id, text="-")
    harness.session.down[user.id] = TelegramServerError(method, "Bad Gateway")


def telegram_up_for(harness: BotHarness, user: TelegramUser) -> None:
    del harness.session.down[user.id]


async def through_an_outage(
    harness: BotHarness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    user: TelegramUser,
    kind: str,
    since: int,
) -> SendMessage:
    """The message of `kind` to `user`, queued while Telegram was down for them: still
    pending after a failed try, then sent once, when Telegram is back."""
    assert harness.sent_to(user, since) == []
    (row,) = await outbox(session, kind)
    assert row.status == OutboxStatus.PENDING
    await deliver(harness, session_factory)
    (row,) = await outbox(session, kind)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    telegram_up_for(harness, user)
    since = len(harness.session.requests)
    await deliver(harness, session_factory, after=timedelta(minutes=1))
    await deliver(harness, session_factory, after=timedelta(minutes=2))  # nothing left
    (row,) = await outbox(session, kind)
    assert row.status == OutboxStatus.SENT
    (message,) = harness.sent_to(user, since)
    return message


async def up_to_the_card(harness: BotHarness, municipality: int, school: int) -> None:
    """The newcomer asks to be a curator, up to the card to confirm."""
    await harness.replies(NEWCOMER, "/start")
    await harness.press(NEWCOMER, ConsentCb(accept=True))
    await harness.press(NEWCOMER, MunicipalityCb(purpose="join", id=municipality))
    await harness.send(NEWCOMER, "сош")
    await harness.press(NEWCOMER, SchoolCb(purpose="join", id=school))
    await harness.press(NEWCOMER, RoleCb(purpose="join", role=Role.CURATOR))
    await harness.replies(NEWCOMER, "Петров Олег Иванович")


class OutboxDown(Exception):
    """The process dies (or the database fails) as the message is being queued."""


@contextmanager
def outbox_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    async def refuse(*_: Any) -> int:
        raise OutboxDown()

    with monkeypatch.context() as patched:
        patched.setattr(OutboxRepository, "add_many", refuse)
        yield


async def test_a_join_request_is_kept_only_with_its_messages_to_the_coordinators(
    harness: BotHarness, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    schools = await load_schools(session)
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    await up_to_the_card(harness, await municipality_id(session, "Киришский"), schools["47002"].id)
    with outbox_down(monkeypatch):
        await harness.press(NEWCOMER, ConfirmJoinCb(ok=True))
    assert await session.scalar(select(JoinRequest)) is None
    # Confirmed again once the outbox answers: the request and its message at once.
    await harness.press(NEWCOMER, ConfirmJoinCb(ok=True))
    assert await session.scalar(select(JoinRequest)) is not None
    (row,) = await outbox(session, "join-request")
    assert row.participant_id == coordinator.id


async def test_a_decision_is_kept_only_with_its_message_to_the_applicant(
    harness: BotHarness, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    schools = await load_schools(session)
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    applicant = await person(session, None)
    request = await registration.request_to_join(
        session, applicant, schools["47002"].id, Role.CURATOR, "Петров Олег", notice=REQUEST_NOTICE
    )
    approve = RequestCb(id=request.id, approve=True)
    with outbox_down(monkeypatch):
        await harness.press(user_of(coordinator), approve)
    found = await stored(session, telegram_id(applicant))
    assert found is not None
    assert not found.is_registered
    assert await outbox(session, "join-decision") == []
    await harness.press(user_of(coordinator), approve)
    found = await stored(session, telegram_id(applicant))
    assert found is not None
    assert found.role == Role.CURATOR
    (row,) = await outbox(session, "join-decision")
    assert row.participant_id == applicant.id


async def test_a_revocation_is_kept_only_with_its_message_to_the_person(
    harness: BotHarness, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    revoke = PersonCb(action="revoke-yes", id=director.id)
    with outbox_down(monkeypatch):
        await harness.press(user_of(regional), revoke)
    found = await stored(session, telegram_id(director))
    assert found is not None
    assert found.role == Role.DIRECTOR
    await harness.press(user_of(regional), revoke)
    found = await stored(session, telegram_id(director))
    assert found is not None
    assert found.role is None
    (row,) = await outbox(session, "role-revoked")
    assert row.participant_id == director.id


async def test_a_join_request_reaches_its_coordinator_after_a_telegram_outage(
    harness: BotHarness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
) -> None:
    schools = await load_schools(session)
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    kirishi = await municipality_id(session, "Киришский")
    telegram_down_for(harness, user_of(coordinator))
    await up_to_the_card(harness, kirishi, schools["47002"].id)
    since = len(harness.session.requests)
    await harness.press(NEWCOMER, ConfirmJoinCb(ok=True))
    assert harness.sent_to(NEWCOMER, since)[0].text == translator.get("ru", "join-request-sent")

    ask = await through_an_outage(
        harness, session, session_factory, user_of(coordinator), "join-request", since
    )
    assert "Петров Олег Иванович" in str(ask.text)
    assert buttons(ask) == [
        translator.get("ru", "button-approve"),
        translator.get("ru", "button-reject"),
    ]
    # Its buttons decide the request.
    request = await session.scalar(select(JoinRequest))
    assert request is not None
    markup = ask.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    approve = markup.inline_keyboard[0][0].callback_data
    assert approve == RequestCb(id=request.id, approve=True).pack()


async def test_a_decision_reaches_the_applicant_after_a_telegram_outage(
    harness: BotHarness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
) -> None:
    schools = await load_schools(session)
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    applicant = await person(session, None)
    request = await registration.request_to_join(
        session, applicant, schools["47002"].id, Role.CURATOR, "Петров Олег", notice=REQUEST_NOTICE
    )
    telegram_down_for(harness, user_of(applicant))
    since = len(harness.session.requests)
    await harness.press(user_of(coordinator), RequestCb(id=request.id, approve=False))

    told = await through_an_outage(
        harness, session, session_factory, user_of(applicant), "join-decision", since
    )
    assert told.text == translator.get("ru", "join-rejected")


async def test_a_revocation_reaches_its_person_after_a_telegram_outage(
    harness: BotHarness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    telegram_down_for(harness, user_of(director))
    since = len(harness.session.requests)
    await harness.press(user_of(regional), PersonCb(action="revoke-yes", id=director.id))
    refreshed = await stored(session, telegram_id(director))
    assert refreshed is not None
    assert refreshed.role is None

    told = await through_an_outage(
        harness, session, session_factory, user_of(director), "role-revoked", since
    )
    assert told.text == translator.get("ru", "revoke-notice")


async def test_a_director_joins_with_a_deep_link(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    invite = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47001"].id]
    )
    _welcome, consent = await harness.replies(NEWCOMER, f"/start {invite.code}")
    assert consent == translator.get("ru", "consent-text")

    # Text where a button is expected: a hint, and the step stays.
    assert await harness.reply_text(NEWCOMER, "да") == translator.get("ru", "hint-use-buttons")
    assert await stored(session, NEWCOMER.id) is None  # kept only once they consent

    since = len(harness.session.requests)
    await harness.press(NEWCOMER, ConsentCb(accept=True))
    texts = [m.text for m in harness.sent_to(NEWCOMER, since)]
    role = translator.get("ru", "role-director")
    assert texts == [
        translator.get("ru", "join-invite-accepted", role=role),
        translator.get("ru", "join-ask-name"),
    ]
    assert await harness.reply_text(NEWCOMER, "12345") == translator.get("ru", "error-bad-name")
    card = await harness.reply_text(NEWCOMER, "Иванова Ирина Петровна")
    assert "Иванова Ирина Петровна" in card
    assert "МОУ «Киришская СОШ №3»" in card

    since = len(harness.session.requests)
    await harness.press(NEWCOMER, ConfirmJoinCb(ok=True))
    done, menu = harness.sent_to(NEWCOMER, since)
    assert done.text == translator.get("ru", "join-done")
    expected = ("menu-surveys", "menu-schedule", "menu-profile")
    assert buttons(menu) == [translator.get("ru", k) for k in expected]
    participant = await stored(session, NEWCOMER.id)
    assert participant is not None
    assert participant.role == Role.DIRECTOR
    assert participant.full_name == "Иванова Ирина Петровна"

    # The same link again: already registered, so the menu, no second registration.
    _welcome, menu_again = await harness.replies(NEWCOMER, f"/start {invite.code}")
    assert translator.get("ru", "menu-title", role=role) == menu_again


async def test_declining_consent_stores_nothing(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    await harness.replies(NEWCOMER, "/start")
    await harness.press(NEWCOMER, ConsentCb(accept=False))
    assert harness.sent_to(NEWCOMER)[-1].text == translator.get("ru", "consent-declined")
    assert await stored(session, NEWCOMER.id) is None
    # The old consent button does nothing once the step is over.
    alerts = await harness.alerts(NEWCOMER, ConsentCb(accept=True))
    assert alerts == [translator.get("ru", "fallback-callback")]


async def test_a_curator_joins_without_a_code_and_is_approved(
    harness: BotHarness,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
) -> None:
    schools = await load_schools(session)
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    kirishi = await municipality_id(session, "Киришский")
    await harness.replies(NEWCOMER, "/start")
    await harness.press(NEWCOMER, ConsentCb(accept=True))
    question = harness.sent_to(NEWCOMER)[-1]
    assert question.text == translator.get("ru", "join-code-or-municipality")
    assert len(buttons(question)) == 18

    await harness.press(NEWCOMER, MunicipalityCb(purpose="join", id=kirishi))
    assert await harness.reply_text(NEWCOMER, "марсианская") == translator.get(
        "ru", "join-no-schools"
    )
    found = (await harness.send(NEWCOMER, "сош"))[-1]
    assert isinstance(found, SendMessage)
    assert buttons(found) == ["Будогощская СОШ", "Киришская СОШ №3"]

    # A school of another municipality, by hand-made callback data: refused.
    alerts = await harness.alerts(NEWCOMER, SchoolCb(purpose="join", id=schools["47101"].id))
    assert alerts == [translator.get("ru", "error-access-denied")]
    await harness.press(NEWCOMER, SchoolCb(purpose="join", id=schools["47002"].id))
    # Asking for a coordinator's role by a forged button: refused.
    forged = await harness.alerts(NEWCOMER, RoleCb(purpose="join", role=Role.ADMIN))
    assert forged == [translator.get("ru", "error-access-denied")]
    await harness.press(NEWCOMER, RoleCb(purpose="join", role=Role.CURATOR))
    await harness.replies(NEWCOMER, "Петров Олег Иванович")
    since = len(harness.session.requests)
    await harness.press(NEWCOMER, ConfirmJoinCb(ok=True))
    assert harness.sent_to(NEWCOMER, since)[0].text == translator.get("ru", "join-request-sent")
    await deliver(harness, session_factory)  # the request goes through the outbox
    (ask,) = harness.sent_to(user_of(coordinator), since)
    assert "Петров Олег Иванович" in str(ask.text)
    assert "Будогощская" in str(ask.text)

    request = await session.scalar(select(JoinRequest))
    assert request is not None
    since = len(harness.session.requests)
    await harness.press(user_of(coordinator), RequestCb(id=request.id, approve=True))
    await deliver(harness, session_factory)
    (told,) = harness.sent_to(NEWCOMER, since)
    assert told.text == translator.get("ru", "join-approved")
    participant = await stored(session, NEWCOMER.id)
    assert participant is not None
    assert participant.role == Role.CURATOR
    # Pressing Approve again: already decided, nothing changes.
    again = await harness.alerts(user_of(coordinator), RequestCb(id=request.id, approve=False))
    assert again == [translator.get("ru", "error-request-decided")]


async def test_the_first_admin_comes_from_settings(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    admin = TelegramUser(id=ADMIN_TELEGRAM_ID)
    await harness.replies(admin, "/start")
    await harness.press(admin, ConsentCb(accept=True))
    assert harness.sent_to(admin)[-1].text == translator.get("ru", "join-ask-name")
    await harness.replies(admin, "Главный Администратор")
    await harness.press(admin, ConfirmJoinCb(ok=True))
    participant = await stored(session, ADMIN_TELEGRAM_ID)
    assert participant is not None
    assert participant.role == Role.ADMIN
    menu = harness.sent_to(admin)[-1]
    assert translator.get("ru", "menu-import") in buttons(menu)


async def test_forget_needs_two_confirmations(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    user = user_of(director)
    assert await harness.reply_text(user, "/forget") == translator.get("ru", "forget-warning")
    await harness.press(user, ForgetCb(step=1))
    assert harness.sent_to(user)[-1].text == translator.get("ru", "forget-sure")
    assert await stored(session, user.id) is not None
    await harness.press(user, ForgetCb(step=2))
    assert harness.sent_to(user)[-1].text == translator.get("ru", "forget-done")
    assert await stored(session, user.id) is None


async def test_me_shows_my_data_and_changes_my_name(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    curator = await person(
        session, Role.CURATOR, schools=[schools["47001"], schools["47002"]], name="Петров Олег"
    )
    card = await harness.reply_text(user_of(curator), "/me")
    assert "Петров Олег" in card
    assert "куратор" in card
    assert "Киришская СОШ №3" in card
    assert "Будогощская СОШ" in card
    assert card.endswith(f"Идентификатор в Telegram: <code>{telegram_id(curator)}</code>")
    from bot.conversation.actions import MenuCb

    await harness.press(user_of(curator), MenuCb(item="rename-self"))
    assert await harness.reply_text(user_of(curator), "x") == translator.get("ru", "error-bad-name")
    texts = await harness.replies(user_of(curator), "Петров Олег Сергеевич")
    assert texts[0] == translator.get("ru", "profile-name-saved")
    refreshed = await stored(session, telegram_id(curator))
    assert refreshed is not None
    assert refreshed.full_name == "Петров Олег Сергеевич"


async def test_unregistered_people_have_no_menu(
    harness: BotHarness, translator: Translator
) -> None:
    assert await harness.reply_text(NEWCOMER, "/menu") == translator.get(
        "ru", "menu-not-registered"
    )
    # /me says who they are to Telegram: the id to give an admin (ADMIN_IDS).
    assert await harness.reply_text(NEWCOMER, "/me") == "\n".join(
        [
            translator.get("ru", "menu-not-registered"),
            f"Идентификатор в Telegram: <code>{NEWCOMER.id}</code>",
        ]
    )


async def test_coordinators_see_who_has_blocked_the_bot(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    from datetime import UTC, datetime

    from bot.conversation.actions import MunicipalityCb

    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    director.accounts[0].unreachable_at = datetime.now(UTC)
    # Blocked on Telegram, but reachable on MAX: not among those the bot cannot reach.
    curator = await person(
        session, Role.CURATOR, schools=[schools["47001"]], name="Смирнов Олег Ильич"
    )
    curator.accounts[0].unreachable_at = datetime.now(UTC)
    curator.accounts.append(Account(channel=Channel.MAX, external_id=990_001))
    await session.commit()
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    kirishi = await municipality_id(session, "Киришский")
    await harness.press(user_of(coordinator), MunicipalityCb(purpose="unreachable", id=kirishi))
    listing = harness.sent_to(user_of(coordinator))[-1].text or ""
    assert listing.startswith(translator.get("ru", "unreachable-title", count=1))
    assert "Иванова Ирина Петровна" in listing
    assert "Смирнов" not in listing


def edited_texts(requests: list[object]) -> list[str]:
    from aiogram.methods import EditMessageText

    return [str(r.text) for r in requests if isinstance(r, EditMessageText)]


async def test_the_consent_message_shows_the_choice(
    harness: BotHarness, translator: Translator
) -> None:
    await harness.replies(NEWCOMER, "/start")
    pressed = await harness.press(NEWCOMER, ConsentCb(accept=True))
    shown = translator.get("ru", "consent-text") + "\n\n" + translator.get("ru", "consent-given")
    assert edited_texts(pressed) == [shown]


async def test_menu_while_the_request_waits_says_so(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    kirishi = await municipality_id(session, "Киришский")
    await harness.replies(NEWCOMER, "/start")
    await harness.press(NEWCOMER, ConsentCb(accept=True))
    await harness.press(NEWCOMER, MunicipalityCb(purpose="join", id=kirishi))
    await harness.send(NEWCOMER, "сош")
    await harness.press(NEWCOMER, SchoolCb(purpose="join", id=schools["47002"].id))
    await harness.press(NEWCOMER, RoleCb(purpose="join", role=Role.CURATOR))
    await harness.replies(NEWCOMER, "Петров Олег Иванович")
    await harness.press(NEWCOMER, ConfirmJoinCb(ok=True))
    waiting = translator.get("ru", "join-request-waiting")
    assert await harness.reply_text(NEWCOMER, "/menu") == waiting
    assert await harness.reply_text(NEWCOMER, "/me") == "\n".join(
        [waiting, translator.get("ru", "profile-telegram-id", id=str(NEWCOMER.id))]
    )


async def test_a_bad_invite_code_is_refused_before_consent(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    texts = await harness.replies(NEWCOMER, "/start NOSUCHCODE")
    assert translator.get("ru", "consent-text") not in texts
    assert texts == [
        translator.get("ru", "error-invite-unknown"),
        translator.get("ru", "join-without-code"),
    ]
    assert await stored(session, NEWCOMER.id) is None
    # Registering without the code still works at once.
    _welcome, consent = await harness.replies(NEWCOMER, "/start")
    assert consent == translator.get("ru", "consent-text")


async def test_start_over_keeps_the_invite(
    harness: BotHarness, session: AsyncSession, translator: Translator
) -> None:
    schools = await load_schools(session)
    invite = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47001"].id]
    )
    await harness.replies(NEWCOMER, f"/start {invite.code}")
    await harness.press(NEWCOMER, ConsentCb(accept=True))
    await harness.replies(NEWCOMER, "Иванова Ирина Петровна")
    since = len(harness.session.requests)
    await harness.press(NEWCOMER, ConfirmJoinCb(ok=False))
    role = translator.get("ru", "role-director")
    assert [m.text for m in harness.sent_to(NEWCOMER, since)] == [
        translator.get("ru", "join-invite-accepted", role=role),
        translator.get("ru", "join-ask-name"),
    ]
    await harness.replies(NEWCOMER, "Иванова Ирина Сергеевна")
    await harness.press(NEWCOMER, ConfirmJoinCb(ok=True))
    participant = await stored(session, NEWCOMER.id)
    assert participant is not None
    assert participant.role == Role.DIRECTOR


async def test_a_command_in_a_typed_step_is_not_taken_as_input(
    harness: BotHarness, translator: Translator
) -> None:
    admin = TelegramUser(id=ADMIN_TELEGRAM_ID)
    await harness.replies(admin, "/start")
    await harness.press(admin, ConsentCb(accept=True))
    # Waiting for a name: /me is a command, not a bad name, and it ends the wizard.
    assert await harness.replies(admin, "/me") == [
        translator.get("ru", "wizard-interrupted"),
        "\n".join(
            [
                translator.get("ru", "menu-not-registered"),
                translator.get("ru", "profile-telegram-id", id=str(ADMIN_TELEGRAM_ID)),
            ]
        ),
    ]
    assert await harness.reply_text(admin, "Главный Администратор") == translator.get(
        "ru", "fallback-text"
    )
