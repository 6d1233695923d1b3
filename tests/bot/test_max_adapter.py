"""The MAX adapter: updates become the conversation's events, screens MAX Bot API calls.

A feature of its own, declared here, answers updates pushed into the fake MAX server,
fetched with maxapi's GET /updates and dispatched over the routes; each test reads the
requests MAX would get. (Participants and the database are not wired to MAX yet: the
turn gets an unsaved participant.)
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import certifi
import pytest
from maxapi import Bot
from maxapi.exceptions import MaxApiError, MaxConnection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.actions import PickCb
from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.screens import Attachment, Link, Press, Screen, Upload
from bot.conversation.turn import Turn
from bot.i18n import Translator
from bot.max.chat import MaxChat, send_screen
from bot.max.client import CaFileError, close_bot, make_bot, ssl_context
from bot.max.errors import RATE_LIMIT_PAUSE, Verdict, outcome_of, verdict_of
from bot.max.updates import dispatch, event_of, update_of
from bot.services.delivery import RetryPolicy
from bot.settings import load_settings
from storage.models import Account, Channel, OutboxMessage, OutboxStatus, Participant
from tests.support.fake_max import BOT_USERNAME, FakeMax, MaxCall, MaxUser
from tests.support.state import MemoryState

TOKEN = "max-test-token"
USER = MaxUser(4242)
seen: list[Any] = []


class Asking(StateGroup):
    name = State()


routes = Routes("max-adapter-test")


@routes.command("start", deep_link=True)
async def invited(turn: Turn) -> None:
    seen.append(("start", turn.args, turn.text))
    await turn.show(Screen("Приглашение принято."))


@routes.command("menu")
async def menu(turn: Turn) -> None:
    text = (
        '<b>Меню</b> для <i>Анны &amp; Бориса</i>: <a href="https://example.org/">сайт</a>, '
        "<code>/help</code>, it&#x27;s"
    )
    rows: list[list[Press]] = [
        [("Ещё", PickCb(field="f", value="1")), ("Нельзя", PickCb(field="no", value="1"))],
        [("Сайт", Link("https://example.org/"))],
    ]
    await turn.show(Screen(text, rows))


@routes.command("ask")
async def ask(turn: Turn) -> None:
    await turn.state.set_state(Asking.name)
    await turn.show(Screen("Как Вас зовут?", choices=["Анна", "Борис"]))


@routes.text(state=Asking.name)
async def named(turn: Turn) -> None:
    seen.append(("named", turn.text, turn.html, turn.state_name))
    await turn.state.clear()


@routes.command("file")
async def file(turn: Turn) -> None:
    await turn.show(Screen("Отчёт", attachment=Attachment(Upload(b"PK\x03\x04", "report.xlsx"))))


@routes.command("invite")
async def invite(turn: Turn) -> None:
    seen.append(("invite", await turn.chat.link_to_start("abc_1")))


@routes.command("forget")
async def forget(turn: Turn) -> None:
    await turn.chat.drop_commands()


@routes.document()
async def received(turn: Turn) -> None:
    assert turn.file is not None
    seen.append(("file", turn.file.name, turn.text, await turn.chat.download(turn.file)))


@routes.press(PickCb, field="f")
async def picked(turn: Turn, action: PickCb) -> None:
    seen.append(("picked", action))
    await turn.show(Screen("Выбрано", [[("Назад", PickCb(field="f", value="0"))]], replace=True))
    await turn.chat.toast("Сохранено.")


@routes.press(PickCb, field="no")
async def refused(turn: Turn, action: PickCb) -> None:
    await turn.chat.replace_buttons(())
    await turn.chat.toast("Так нельзя.", alert=True)


class Harness:
    def __init__(self, fake: FakeMax, bot: Bot, translator: Translator) -> None:
        self.fake, self.bot, self.translator = fake, bot, translator
        self.state = MemoryState()
        self.marker: int | None = None

    async def handle(self) -> list[MaxCall]:
        """Fetches what the fake holds, as polling would, dispatches it, and returns the
        requests the bot made meanwhile (GET /updates left out)."""
        since = len(self.fake.calls)
        answer = await self.bot.get_updates(marker=self.marker, timeout=0)
        self.marker = answer["marker"]
        for raw in answer["updates"]:
            update = update_of(raw)
            assert update is not None, raw
            event = event_of(update)
            if event is None:
                continue
            chat = MaxChat(
                self.bot,
                event.user_id,
                self.translator,
                pressed=event.pressed,
                callback_id=event.callback_id,
            )
            turn = Turn(
                session=AsyncSession(),
                participant=Participant(
                    accounts=[Account(channel=Channel.MAX, external_id=event.user_id)],
                    locale="ru",
                ),
                t=self.translator.for_locale("ru"),
                translator=self.translator,
                settings=load_settings(_env_file=None),
                state=self.state,
                chat=chat,
                state_name=await self.state.get_state(),
            )
            await dispatch([routes], event, turn)
        return [c for c in self.fake.calls[since:] if c.path != "/updates"]

    async def send(self, text: str) -> list[MaxCall]:
        self.fake.send_text(USER, text)
        return await self.handle()


@pytest.fixture
async def max_api(translator: Translator) -> AsyncIterator[Harness]:
    seen.clear()
    fake = FakeMax(TOKEN)
    base = await fake.start()
    bot = make_bot(TOKEN, api_base=base, retries=0)
    try:
        yield Harness(fake, bot, translator)
    finally:
        await close_bot(bot)
        await fake.stop()


async def test_a_screen_with_markup_and_buttons_is_one_post_of_html(max_api: Harness) -> None:
    [sent] = await max_api.send("/menu")
    assert (sent.method, sent.path, sent.user_id) == ("POST", "/messages", USER.user_id)
    assert sent.body["format"] == "html"
    assert sent.text == (
        '<b>Меню</b> для <i>Анны &amp; Бориса</i>: <a href="https://example.org/">сайт</a>, '
        "<code>/help</code>, it's"
    )
    assert sent.keyboard() == [
        [
            {"type": "callback", "text": "Ещё", "payload": "pick:f:1", "intent": "default"},
            {"type": "callback", "text": "Нельзя", "payload": "pick:no:1", "intent": "default"},
        ],
        [{"type": "link", "text": "Сайт", "url": "https://example.org/"}],
    ]


async def test_a_press_edits_the_message_in_place_and_is_answered_with_a_notice(
    max_api: Harness,
) -> None:
    [menu_message] = await max_api.send("/menu")
    max_api.fake.press(USER, "pick:f:1", menu_message)
    edit, answer = await max_api.handle()
    assert seen == [("picked", PickCb(field="f", value="1"))]
    assert (edit.method, edit.path) == ("PUT", "/messages")
    assert edit.query["message_id"] == menu_message.mid
    assert edit.text == "Выбрано"
    assert edit.keyboard()[0][0]["payload"] == "pick:f:0"
    assert (answer.method, answer.path) == ("POST", "/answers")
    assert answer.query["callback_id"] == "cb1"
    assert answer.body == {"notification": "Сохранено."}


async def test_an_alert_is_a_notification_and_buttons_can_be_taken_away(
    max_api: Harness,
) -> None:
    [menu_message] = await max_api.send("/menu")
    max_api.fake.press(USER, "pick:no:1", menu_message)
    edit, answer = await max_api.handle()
    assert (edit.method, edit.path, edit.query["message_id"]) == (
        "PUT",
        "/messages",
        menu_message.mid,
    )
    assert edit.body["attachments"] == []  # the buttons go, the text stays
    assert "text" not in edit.body
    assert answer.body == {"notification": "Так нельзя."}


async def test_a_press_no_route_of_the_feature_takes_reaches_no_step(max_api: Harness) -> None:
    [menu_message] = await max_api.send("/menu")
    max_api.fake.press(USER, "pick:zz:1", menu_message)
    assert await max_api.handle() == []  # no catch-all in this feature: the app's fallback


async def test_a_document_is_uploaded_and_attached_by_its_token(max_api: Harness) -> None:
    ask, sent = await max_api.send("/file")
    assert (ask.method, ask.path, ask.query["type"]) == ("POST", "/uploads", "file")
    assert max_api.fake.uploads == {"upload1": ("report.xlsx", b"PK\x03\x04")}
    assert (sent.method, sent.path, sent.text) == ("POST", "/messages", "Отчёт")
    assert sent.attachments == [{"type": "file", "payload": {"token": "upload1"}}]


async def test_a_file_sent_to_the_bot_is_downloaded_from_its_url(max_api: Harness) -> None:
    max_api.fake.send_file(USER, "schools.csv", b"name\n1", caption="Список")
    assert await max_api.handle() == []
    assert seen == [("file", "schools.csv", "Список", b"name\n1")]


async def test_bot_started_with_a_payload_is_the_start_command_with_its_args(
    max_api: Harness,
) -> None:
    max_api.fake.start_bot(USER, payload="INVITE42")
    [reply] = await max_api.handle()
    assert seen == [("start", "INVITE42", "/start INVITE42")]
    assert reply.text == "Приглашение принято."
    max_api.fake.start_bot(USER)  # the Start button without a link: no deep-link route
    assert await max_api.handle() == []


async def test_a_typed_answer_reaches_the_wizard_step_with_its_markup(max_api: Harness) -> None:
    [question] = await max_api.send("/ask")
    assert question.keyboard() == [
        [{"type": "message", "text": "Анна"}, {"type": "message", "text": "Борис"}]
    ]
    assert await max_api.send("Анна") == []
    assert seen == [("named", "Анна", "Анна", "Asking:name")]


async def test_the_start_link_and_the_command_menu(
    max_api: Harness, translator: Translator
) -> None:
    await max_api.send("/invite")
    assert seen == [("invite", f"https://max.ru/{BOT_USERNAME}?start=abc_1")]
    [menu_set] = await max_api.send("/forget")
    assert (menu_set.method, menu_set.path) == ("PATCH", "/me/commands")
    assert menu_set.body["commands"][0] == {
        "name": "start",
        "description": translator.get("ru", "cmd-start"),
    }


async def test_an_api_out_of_reach_is_retried_later() -> None:
    bot = make_bot(TOKEN, api_base="http://127.0.0.1:1", retries=0)  # nothing listens there
    try:
        with pytest.raises(MaxConnection) as raised:
            await send_screen(bot, USER.user_id, Screen("Объявление"))
    finally:
        await close_bot(bot)
    assert verdict_of(raised.value) is Verdict.RETRY
    row = _row()
    assert outcome_of(row, raised.value, row.due_at, RetryPolicy()).status is OutboxStatus.PENDING


def _row() -> OutboxMessage:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    return OutboxMessage(
        id=1, participant_id=2, channel=Channel.MAX, chat_id=USER.user_id, attempts=0, due_at=now
    )


@pytest.mark.parametrize(
    ("status", "verdict", "outbox_status"),
    [
        (429, Verdict.WAIT, OutboxStatus.PENDING),
        (403, Verdict.UNREACHABLE, OutboxStatus.BLOCKED),
        (500, Verdict.RETRY, OutboxStatus.PENDING),
        (503, Verdict.RETRY, OutboxStatus.PENDING),
        (400, Verdict.FAIL, OutboxStatus.FAILED),
    ],
)
async def test_max_errors_map_to_the_delivery_outcomes(
    max_api: Harness, status: int, verdict: Verdict, outbox_status: OutboxStatus
) -> None:
    if status == 403:
        max_api.fake.block(USER.user_id)
    else:
        max_api.fake.fail_next("POST", "/messages", status)
    with pytest.raises(MaxApiError) as raised:
        await send_screen(max_api.bot, USER.user_id, Screen("Объявление"))
    assert raised.value.code == status
    assert verdict_of(raised.value) is verdict
    row = _row()
    now = row.due_at
    outcome = outcome_of(row, raised.value, now, RetryPolicy())
    assert outcome.status is outbox_status
    if verdict is Verdict.WAIT:
        assert (outcome.attempts, outcome.due_at) == (0, now + RATE_LIMIT_PAUSE)
    if verdict is Verdict.RETRY:
        assert outcome.attempts == 1
        assert outcome.due_at > now


def test_the_ca_setting_adds_the_file_to_maxapis_context(tmp_path: Path) -> None:
    """(cryptography is not installed to make a CA of our own: a root from certifi that
    the system's bundle and maxapi's lack stands in for it.)"""
    default = ssl_context(None)
    names = [str(cert["subject"]) for cert in default.get_ca_certs()]
    assert any("Russian Trusted Root CA" in name for name in names)  # maxapi's copy
    known = set(default.get_ca_certs(binary_form=True))
    blocks = Path(certifi.where()).read_text().split("-----END CERTIFICATE-----")
    pems = [
        block[block.index("-----BEGIN") :] + "-----END CERTIFICATE-----\n"
        for block in blocks
        if "BEGIN" in block
    ]
    other = next(pem for pem in pems if ssl.PEM_cert_to_DER_cert(pem) not in known)
    ca = tmp_path / "ca.pem"
    ca.write_text(other)
    assert ssl.PEM_cert_to_DER_cert(other) in ssl_context(ca).get_ca_certs(binary_form=True)
    assert load_settings(_env_file=None, max_ca_file=str(ca)).max_ca_file == ca


def test_a_missing_or_broken_ca_file_is_refused_with_the_setting_named(tmp_path: Path) -> None:
    with pytest.raises(CaFileError, match="MAX_CA_FILE: no file"):
        ssl_context(tmp_path / "missing.pem")
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate")
    with pytest.raises(CaFileError, match="not a PEM certificate"):
        ssl_context(broken)


async def test_the_fake_serves_webhook_subscriptions_and_deletions_as_maxapi_reads_them(
    max_api: Harness,
) -> None:
    bot = max_api.bot
    await bot.subscribe_webhook("https://bot.example.org/max", secret="s3cret-value")
    [subscription] = (await bot.get_subscriptions()).subscriptions
    assert subscription.url == "https://bot.example.org/max"
    await bot.delete_webhook()
    assert (await bot.get_subscriptions()).subscriptions == []
    [sent] = await max_api.send("/menu")
    assert (await bot.delete_message(sent.mid)).success
    assert max_api.fake.served("DELETE", "/messages")[0].query["message_id"] == sent.mid
