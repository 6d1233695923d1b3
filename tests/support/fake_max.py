"""A fake MAX Bot API server (https://dev.max.ru/docs-api) for the MAX adapter's tests.

It serves the endpoints as `maxapi` calls them, over real HTTP on 127.0.0.1: the token in
the `Authorization` header, ids and options in the query, the rest as a JSON body; errors
as MAX answers them, an HTTP status with `{"code": …, "message": …}`. A test pushes what a
person does (`start`, `send_text`, `send_file`, `press`) as updates, which the bot fetches
with `GET /updates`, and asks for 429, a blocked user or 5xx with `fail_next`/`block`:

    fake = FakeMax(TOKEN)
    await fake.start()
    fake.start_bot(user, payload="invite")
    sent = await fake.wait_for("POST", "/messages", user_id=user.user_id)
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.fake_api import RecordingServer

BOT_USERNAME = "test_max_bot"


@dataclass(frozen=True)
class MaxUser:
    user_id: int
    first_name: str = "Анна"
    last_name: str | None = "Петрова"
    username: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "is_bot": False,
            "last_activity_time": int(time.time() * 1000),
        }


@dataclass
class MaxCall:
    """One request the bot made: its HTTP method, path, query and JSON body."""

    method: str
    path: str
    query: dict[str, str]
    body: Any = None
    files: dict[str, bytes] = field(default_factory=dict)
    result: Any = None

    @property
    def text(self) -> str:
        return str((self.body or {}).get("text") or "")

    @property
    def user_id(self) -> int | None:
        value = self.query.get("user_id")
        return int(value) if value is not None else None

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("attachments") or [])

    def keyboard(self) -> list[list[dict[str, Any]]]:
        """The rows of the message's inline keyboard (none: [])."""
        for attachment in self.attachments:
            if attachment.get("type") == "inline_keyboard":
                return list(attachment["payload"]["buttons"])
        return []

    @property
    def mid(self) -> str:
        """The id MAX gave the message this call sent."""
        return str(self.result["message"]["body"]["mid"])


@dataclass
class _Failure:
    method: str
    path: str
    status: int
    code: str
    message: str


class FakeMax(RecordingServer[MaxCall]):
    def __init__(self, token: str, *, bot_id: int = 9000, username: str = BOT_USERNAME) -> None:
        super().__init__()
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.commands: list[dict[str, Any]] = []
        self.subscriptions: list[dict[str, Any]] = []
        self.uploads: dict[str, tuple[str, bytes]] = {}  # token: (file name, content)
        self._updates: list[tuple[int, dict[str, Any]]] = []  # (position, update)
        self._positions = itertools.count(1)
        self._seq = itertools.count(1)
        self._upload_ids = itertools.count(1)
        self._callbacks = itertools.count(1)
        self._files: dict[str, bytes] = {}
        self._failures: list[_Failure] = []
        self._blocked: set[int] = set()

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/me", self._handle)
        app.router.add_patch("/me/commands", self._handle)
        app.router.add_get("/updates", self._handle)
        app.router.add_route("*", "/messages", self._handle)
        app.router.add_post("/answers", self._handle)
        app.router.add_post("/uploads", self._handle)
        app.router.add_route("*", "/subscriptions", self._handle)
        # Not the API: where uploads go and files are downloaded from (no token there).
        app.router.add_post("/upload/{id}", self._upload)
        app.router.add_get("/files/{id}", self._download)

    # -- what a person does -------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        self._updates.append((next(self._positions), update))
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def start_bot(self, user: MaxUser, payload: str | None = None) -> dict[str, Any]:
        """The person opens the bot (by a link with `?start=payload`, or the Start button)."""
        return self.push_update(
            {
                "update_type": "bot_started",
                "timestamp": _now(),
                "chat_id": self._dialog(user),
                "user": user.as_json(),
                "payload": payload,
                "user_locale": "ru",
            }
        )

    def message_update(self, user: MaxUser, text: str) -> dict[str, Any]:
        """A new update (not queued) with the person's message: for a webhook to post."""
        return self._message_created(user, text, [])

    def send_text(self, user: MaxUser, text: str) -> dict[str, Any]:
        return self.push_update(self.message_update(user, text))

    def send_file(
        self, user: MaxUser, filename: str, content: bytes, caption: str | None = None
    ) -> dict[str, Any]:
        """The person sends a document; the bot downloads it from the attachment's URL."""
        file_id = f"f{len(self._files) + 1}"
        self._files[file_id] = content
        attachment = {
            "type": "file",
            "payload": {"url": f"{self.base_url}/files/{file_id}", "token": f"tok-{file_id}"},
            "filename": filename,
            "size": len(content),
        }
        return self.push_update(self._message_created(user, caption, [attachment]))

    def press(self, user: MaxUser, payload: str, message: MaxCall | None = None) -> dict[str, Any]:
        """The person presses a callback button with `payload` under the bot's `message`."""
        update: dict[str, Any] = {
            "update_type": "message_callback",
            "timestamp": _now(),
            "callback": {
                "timestamp": _now(),
                "callback_id": f"cb{next(self._callbacks)}",
                "payload": payload,
                "user": user.as_json(),
            },
            "user_locale": "ru",
        }
        if message is not None:
            update["message"] = message.result["message"]
        return self.push_update(update)

    # -- what a test asks for ---------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path: str,
        status: int = 500,
        *,
        code: str = "internal.error",
        message: str = "Internal server error",
    ) -> None:
        """The next `method path` request gets this error instead of its answer."""
        if status == 429 and code == "internal.error":
            code, message = "too.many.requests", "Too many requests"
        self._failures.append(_Failure(method, path, status, code, message))

    def fail_until_recovered(self, method: str, path: str, status: int = 500) -> None:
        """Every `method path` request gets this error until `recover(method, path)`."""
        for _ in range(1000):  # more than any test's wait makes requests
            self.fail_next(method, path, status)

    def recover(self, method: str, path: str) -> None:
        """The errors still queued for `method path` are dropped: it answers again."""
        self._failures = [f for f in self._failures if (f.method, f.path) != (method, path)]

    def block(self, user_id: int) -> None:
        """The person has blocked the bot: every message to them is refused (403)."""
        self._blocked.add(user_id)

    async def wait_for(
        self,
        method: str,
        path: str,
        *,
        since: int = 0,
        timeout: float = 10.0,
        user_id: int | None = None,
    ) -> MaxCall:
        """The first `method path` request at index >= `since` (to `user_id`)."""

        def found() -> MaxCall | None:
            for call in self.calls[since:]:
                if (call.method, call.path) != (method, path):
                    continue
                if user_id is not None and call.user_id != user_id:
                    continue
                return call
            return None

        def describe() -> str:
            seen = [f"{c.method} {c.path} {c.text[:40]!r}" for c in self.calls[since:]]
            return f"no {method} {path} within {timeout}s; got {seen}"

        return await self.wait_until(found, timeout, describe)

    def served(self, method: str, path: str) -> list[MaxCall]:
        return [c for c in self.calls if (c.method, c.path) == (method, path)]

    # -- the API -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != self.token:
            return _error(401, "verify.token", "Invalid access_token")
        body = await request.json() if request.can_read_body else None
        call = MaxCall(request.method, request.path, dict(request.query), body)
        if call.path == "/updates":
            await self._record(call)
            return await self._get_updates(call)
        failure = self._take_failure(call)
        if failure is not None:
            await self._record(call)
            return _error(failure.status, failure.code, failure.message)
        if call.path == "/messages" and call.method == "POST" and call.user_id in self._blocked:
            await self._record(call)
            return _error(403, "chat.denied", "chat.denied: dialog.suspended")
        call.result = self._result_for(call)
        await self._record(call)
        return web.json_response(call.result)

    async def _get_updates(self, call: MaxCall) -> web.Response:
        marker = call.query.get("marker")
        if marker is not None:  # what came before the marker has been received
            self._updates = [(p, u) for p, u in self._updates if p > int(marker)]
        # Long polling, shortened so that a stopping test is not kept waiting.
        timeout = min(float(call.query.get("timeout") or 0), 1.0)
        await self.wait_changed(lambda: bool(self._updates), timeout)
        limit = int(call.query.get("limit") or 100)
        batch = self._updates[:limit]
        last = batch[-1][0] if batch else int(marker or 0)
        return web.json_response({"updates": [u for _, u in batch], "marker": last})

    def _result_for(self, call: MaxCall) -> Any:
        route = (call.method, call.path)
        if route == ("GET", "/me"):
            return self._me()
        if route == ("PATCH", "/me/commands"):
            self.commands = list(call.body.get("commands") or [])
            return {"commands": self.commands}
        if route == ("POST", "/messages"):
            return {"message": self._sent(call)}
        if route in {("PUT", "/messages"), ("DELETE", "/messages"), ("POST", "/answers")}:
            return {"success": True}
        if route == ("POST", "/uploads"):
            upload = next(self._upload_ids)
            return {"url": f"{self.base_url}/upload/{upload}"}
        if route == ("GET", "/subscriptions"):
            return {"subscriptions": self.subscriptions}
        if route == ("POST", "/subscriptions"):
            self.subscriptions.append({**call.body, "time": _now()})
            return {"success": True}
        if route == ("DELETE", "/subscriptions"):
            url = call.query.get("url")
            self.subscriptions = [s for s in self.subscriptions if s["url"] != url]
            return {"success": True}
        raise web.HTTPNotFound

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL: a file's multipart `data`, answered with its token as MAX does
        for files (an image gets `photos`)."""
        form = await request.post()
        data = form.get("data")
        assert isinstance(data, web.FileField), form
        token = f"upload{request.match_info['id']}"
        self.uploads[token] = (data.filename, data.file.read())
        if (data.content_type or "").startswith("image/"):
            return web.json_response({"photos": {"p1": {"token": token}}})
        return web.json_response({"token": token})

    async def _download(self, request: web.Request) -> web.Response:
        content = self._files.get(request.match_info["id"])
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    def _take_failure(self, call: MaxCall) -> _Failure | None:
        for failure in self._failures:
            if (failure.method, failure.path) == (call.method, call.path):
                self._failures.remove(failure)
                return failure
        return None

    def _me(self) -> dict[str, Any]:
        return {
            "user_id": self.bot_id,
            "first_name": "Бот",
            "username": self.username,
            "is_bot": True,
            "last_activity_time": _now(),
        }

    def _dialog(self, user: MaxUser) -> int:
        return 10_000_000 + user.user_id  # MAX gives each dialog a chat id of its own

    def _sent(self, call: MaxCall) -> dict[str, Any]:
        user_id = call.user_id
        chat_id = int(call.query.get("chat_id") or self._dialog(MaxUser(user_id or 0)))
        seq = next(self._seq)
        return {
            "sender": self._me(),
            "recipient": {"chat_id": chat_id, "chat_type": "dialog", "user_id": user_id},
            "timestamp": _now(),
            "body": {
                "mid": f"mid.{seq:016x}",
                "seq": seq,
                "text": call.body.get("text"),
                "attachments": [_echo(a, self.base_url) for a in call.attachments],
            },
        }

    def _message_created(
        self, user: MaxUser, text: str | None, attachments: list[dict[str, Any]]
    ) -> dict[str, Any]:
        seq = next(self._seq)
        return {
            "update_type": "message_created",
            "timestamp": _now(),
            "message": {
                "sender": user.as_json(),
                "recipient": {"chat_id": self._dialog(user), "chat_type": "dialog"},
                "timestamp": _now(),
                "body": {
                    "mid": f"mid.{seq:016x}",
                    "seq": seq,
                    "text": text,
                    "attachments": attachments,
                },
            },
            "user_locale": "ru",
        }


def _echo(attachment: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A sent attachment as MAX shows it in the message: an uploaded file gets its URL."""
    if attachment.get("type") in {"file", "image"}:
        token = attachment["payload"]["token"]
        payload = {"url": f"{base_url}/files/{token}", "token": token}
        if attachment["type"] == "image":
            payload["photo_id"] = 1
        return {"type": attachment["type"], "payload": payload}
    return attachment


def _now() -> int:
    return int(time.time() * 1000)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status)
