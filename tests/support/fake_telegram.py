"""A fake Telegram Bot API server for end-to-end tests.

It serves the methods the bot calls over real HTTP on 127.0.0.1, records every call, lets a
test push a user's message or button press as an update, and can answer with 429, 403 or
500 on demand. A test talks to it like a person would:

    tg = FakeTelegram(TOKEN)
    await tg.start()
    reply = await tg.ask(user, "/start")       # waits for the bot's answer
    assert "Здравствуйте" in reply.text
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.fake_api import RecordingServer
from tests.support.updates import BOT_USER, TelegramUser, callback_update, message_update

# How long an update posted to a webhook is tried again while no replica takes it.
WEBHOOK_RETRY_FOR = 60.0


@dataclass
class ApiCall:
    """One request the bot made: the method and its decoded parameters."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    result: Any = None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    def buttons(self) -> list[dict[str, Any]]:
        """Every button of an inline or reply keyboard, row after row."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button for row in rows for button in row]


@dataclass
class _Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None


class FakeTelegram(RecordingServer[ApiCall]):
    def __init__(
        self, token: str, *, rate_limit: float | None = None, latency: float = 0.0
    ) -> None:
        """`rate_limit`: like Telegram, answer 429 to sends beyond this many a second.
        `latency`: each send is held this long before it is carried out and answered (a
        request on the wire when the bot is killed is still carried out, as Telegram
        does). Chats in `exempt_chats` (a coordinator's) are never slowed or failed by
        these modes."""
        super().__init__()
        self.token = token
        self.rate_limit = rate_limit
        self.latency = latency
        self.exempt_chats: set[int] = set()
        self.too_many_requests = 0
        self.in_flight = 0  # sends being held (latency) right now
        self.max_in_flight = 0
        self._outage_until = 0.0
        self._outage_status = 500
        self._recent_sends: collections.deque[float] = collections.deque()
        self.bot_id = int(token.split(":")[0])
        self.webhook: dict[str, Any] | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._failures: list[_Failure] = []
        self._blocked: set[int] = set()
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id: (file_path, content)
        # Webhook mode (`deliver_to`): where updates are posted, and each post that got 2xx.
        self._webhook_targets: list[str] = []
        self._webhook_secret = ""
        self._webhook_turn = itertools.count()
        self._webhook_tasks: set[asyncio.Task[None]] = set()
        self._webhook_http: aiohttp.ClientSession | None = None
        self.webhook_posts: list[tuple[str, int]] = []  # (url, update_id)

    # -- server ------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)

    # -- what a test does ----------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (given again, it is delivered again: a duplicate); in webhook
        mode (`deliver_to`), post it."""
        if self._webhook_targets:
            task = asyncio.get_running_loop().create_task(self._post_update(update))
            self._webhook_tasks.add(task)
            task.add_done_callback(self._webhook_tasks.discard)
            return update
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def deliver_to(self, urls: list[str], secret: str) -> None:
        """Webhook mode, as Telegram posting to replicas behind a load balancer: each update
        pushed from now on is posted to the next of `urls` in turn, with the secret header;
        a refused connection or an answer other than 2xx is tried again at the next one (as
        Telegram tries again), for up to WEBHOOK_RETRY_FOR seconds."""
        self._webhook_targets = list(urls)
        self._webhook_secret = secret

    async def _post_update(self, update: dict[str, Any]) -> None:
        if self._webhook_http is None:
            self._webhook_http = aiohttp.ClientSession()
        headers = {"X-Telegram-Bot-Api-Secret-Token": self._webhook_secret}
        deadline = time.monotonic() + WEBHOOK_RETRY_FOR
        while True:
            url = self._webhook_targets[next(self._webhook_turn) % len(self._webhook_targets)]
            try:
                async with self._webhook_http.post(url, json=update, headers=headers) as answer:
                    if 200 <= answer.status < 300:
                        self.webhook_posts.append((url, int(update["update_id"])))
                        return
            except aiohttp.ClientError:
                pass  # that replica is down: the next one
            if time.monotonic() >= deadline:
                raise AssertionError(f"no replica took update {update['update_id']}")
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        for task in list(self._webhook_tasks):
            task.cancel()
        if self._webhook_http is not None:
            await self._webhook_http.close()
        await super().stop()

    def message_update(self, user: TelegramUser, text: str) -> dict[str, Any]:
        """A new update (not yet queued) with the user's message."""
        return message_update(next(self._update_ids), user, text)

    def send_text(self, user: TelegramUser, text: str) -> dict[str, Any]:
        return self.push_update(self.message_update(user, text))

    def press(
        self, user: TelegramUser, data: str, message: ApiCall | None = None
    ) -> dict[str, Any]:
        """The user presses an inline button with `data` under the bot's `message`."""
        result = message.result if message and isinstance(message.result, dict) else {}
        return self.push_update(
            callback_update(
                next(self._update_ids),
                user,
                data,
                message_id=int(result.get("message_id", 1)),
                message_text=message.text if message else "",
            )
        )

    def upload(
        self, user: TelegramUser, filename: str, content: bytes, caption: str | None = None
    ) -> dict[str, Any]:
        """The user sends a document; the bot can download it with getFile."""
        file_id = f"file{len(self._files) + 1}"
        self._files[file_id] = (f"documents/{filename}", content)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": filename,
            "file_size": len(content),
        }
        extra: dict[str, Any] = {"document": document}
        if caption is not None:
            extra["caption"] = caption
        return self.push_update(message_update(next(self._update_ids), user, None, **extra))

    def serve_file(self, file_id: str, content: bytes) -> None:
        """A file the bot may download by its id (for documents built elsewhere)."""
        self._files[file_id] = (f"documents/{file_id}", content)

    def button(self, message: ApiCall, label: str) -> str:
        """The callback data of the inline button with this label (exactly, or containing it)."""
        for button in message.buttons():
            if button.get("text") == label:
                return str(button["callback_data"])
        for button in message.buttons():
            if label in str(button.get("text")):
                return str(button["callback_data"])
        labels = [b.get("text") for b in message.buttons()]
        raise AssertionError(f"no button {label!r} under {message.text[:60]!r}; there are {labels}")

    async def click(
        self, user: TelegramUser, message: ApiCall, label: str, *, answer: str | None = None
    ) -> ApiCall:
        """Presses the button labelled `label` and waits for the bot's next message to the
        user (with the text `answer`, when given)."""
        since = len(self.calls)
        self.press(user, self.button(message, label), message)
        return await self.wait_for(
            "sendMessage",
            since=since,
            chat_id=user.id,
            where=(lambda c: c.text == answer) if answer is not None else None,
        )

    async def answer_to(self, update: dict[str, Any]) -> ApiCall:
        """The bot's answerCallbackQuery to a button press pushed as `update`."""
        query_id = update["callback_query"]["id"]
        return await self.wait_for(
            "answerCallbackQuery", where=lambda c: c.params.get("callback_query_id") == query_id
        )

    async def ask(self, user: TelegramUser, text: str, method: str = "sendMessage") -> ApiCall:
        """Send `text` as the user and wait for the bot's first `method` to that chat."""
        since = len(self.calls)
        self.send_text(user, text)
        return await self.wait_for(method, since=since, chat_id=user.id)

    async def wait_for(
        self,
        method: str,
        *,
        since: int = 0,
        timeout: float = 15.0,
        where: Callable[[ApiCall], bool] | None = None,
        chat_id: int | None = None,
    ) -> ApiCall:
        """The first call of `method` at index >= `since` matching the filters."""

        def found() -> ApiCall | None:
            for call in self.calls[since:]:
                if call.method != method:
                    continue
                if chat_id is not None and call.chat_id != chat_id:
                    continue
                if where is not None and not where(call):
                    continue
                return call
            return None

        def describe() -> str:
            seen = [
                f"{c.method}({c.chat_id}): {c.text[:60]!r}"
                for c in self.calls[since:]
                if c.method != "getUpdates"
            ]
            return f"no {method} call within {timeout}s; got {seen}"

        return await self.wait_until(found, timeout, describe)

    def sent_to(self, chat_id: int, method: str = "sendMessage", since: int = 0) -> list[ApiCall]:
        return [c for c in self.calls[since:] if c.method == method and c.chat_id == chat_id]

    def fail_next(
        self,
        method: str,
        status: int = 500,
        *,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """The next call of `method` (optionally to `chat_id`) gets this error instead."""
        if status == 429 and description == "Internal Server Error":
            description = f"Too Many Requests: retry after {retry_after or 1}"
            retry_after = retry_after or 1
        self._failures.append(_Failure(method, status, description, retry_after, chat_id))

    def fail_sends_for(self, seconds: float, status: int = 500) -> None:
        """An outage: every send (to a chat not exempt) answers `status` for `seconds`."""
        self._outage_until = time.monotonic() + seconds
        self._outage_status = status

    @property
    def outage_over(self) -> bool:
        return time.monotonic() >= self._outage_until

    def block(self, chat_id: int) -> None:
        """The user has blocked the bot: every send to them answers 403."""
        self._blocked.add(chat_id)

    # -- the Bot API ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_params(request)
        call = ApiCall(method, params, files)
        if method == "getUpdates" and not self._failures_for(call):
            await self._record(call)
            return await self._get_updates(params)

        failure = self._take_failure(call)
        if failure is not None:
            await self._record(call)
            extra = {"retry_after": failure.retry_after} if failure.retry_after else None
            return _error(failure.status, failure.description, extra)
        throttled = method.startswith("send") and call.chat_id not in self.exempt_chats
        if throttled and not self.outage_over:
            await self._record(call)
            return _error(self._outage_status, "Internal Server Error")
        if self.rate_limit is not None and throttled and self._over_rate():
            self.too_many_requests += 1
            await self._record(call)
            return _error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        if throttled and self.latency:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                await asyncio.sleep(self.latency)
            finally:
                self.in_flight -= 1
        if call.chat_id is not None and call.chat_id in self._blocked and method.startswith("send"):
            await self._record(call)
            return _error(403, "Forbidden: bot was blocked by the user")

        call.result = self._result_for(method, params, files)
        await self._record(call)
        return web.json_response({"ok": True, "result": call.result})

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        # Long polling, shortened so that a stopping bot is not kept waiting.
        timeout = min(float(params.get("timeout") or 0), 1.0)
        await self.wait_changed(lambda: bool(self._updates), timeout)
        limit = int(params.get("limit") or 100)
        return web.json_response({"ok": True, "result": self._updates[:limit]})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        for path, content in self._files.values():
            if path == request.match_info["path"]:
                return web.Response(body=content)
        return _error(404, "Not Found")

    def _over_rate(self) -> bool:
        """A sliding one-second window of accepted sends."""
        assert self.rate_limit is not None
        now = time.monotonic()
        while self._recent_sends and self._recent_sends[0] <= now - 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.rate_limit:
            return True
        self._recent_sends.append(now)
        return False

    def _failures_for(self, call: ApiCall) -> list[_Failure]:
        return [f for f in self._failures if f.method == call.method]

    def _take_failure(self, call: ApiCall) -> _Failure | None:
        for failure in self._failures:
            if failure.method == call.method and failure.chat_id in (None, call.chat_id):
                self._failures.remove(failure)
                return failure
        return None

    def _me(self) -> dict[str, Any]:
        return {**BOT_USER, "id": self.bot_id}

    def _result_for(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if method == "getFile":
            path, content = self._files[str(params["file_id"])]
            return {
                "file_id": params["file_id"],
                "file_unique_id": "u" + str(params["file_id"]),
                "file_size": len(content),
                "file_path": path,
            }
        if method == "getMe":
            return {
                **self._me(),
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "setWebhook":
            self.webhook = params
            return True
        if method == "deleteWebhook":
            self.webhook = None
            return True
        if method in {"sendMessage", "sendDocument", "sendPhoto"} or (
            method in {"editMessageText", "editMessageReplyMarkup"} and "chat_id" in params
        ):
            chat_id = int(params["chat_id"])
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": self._me(),
            }
            if "text" in params:
                message["text"] = params["text"]
            if "caption" in params:
                message["caption"] = params["caption"]
            if method == "sendDocument":
                message["document"] = {
                    "file_id": f"doc{message['message_id']}",
                    "file_unique_id": f"u{message['message_id']}",
                    "file_name": next(iter(files), "document"),
                }
            if method == "sendPhoto":
                message["photo"] = [
                    {
                        "file_id": f"photo{message['message_id']}",
                        "file_unique_id": f"p{message['message_id']}",
                        "width": 800,
                        "height": 600,
                    }
                ]
            if (
                isinstance(params.get("reply_markup"), dict)
                and "inline_keyboard" in params["reply_markup"]
            ):
                message["reply_markup"] = params["reply_markup"]
            return message
        return True


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if request.content_type == "application/json":
        return dict(await request.json()), files
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[value.filename or key] = value.file.read()
            params[key] = f"attach://{value.filename or key}"
            continue
        params[key] = _decode(str(value))
    return params, files


def _decode(value: str) -> Any:
    # aiogram sends nested objects (reply_markup, entities) as JSON strings.
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
