"""A person's wizard state kept in memory (the ConversationState protocol), for tests that
build turns themselves rather than through a messenger's FSM storage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MemoryState:
    def __init__(self) -> None:
        self.state: str | None = None
        self.data: dict[str, Any] = {}

    async def get_state(self) -> str | None:
        return self.state

    async def set_state(self, state: str | None = None) -> None:
        self.state = state

    async def get_data(self) -> dict[str, Any]:
        return dict(self.data)

    async def set_data(self, data: Mapping[str, Any]) -> None:
        self.data = dict(data)

    async def update_data(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        self.data.update(data or {}, **kwargs)
        return dict(self.data)

    async def clear(self) -> None:
        self.state, self.data = None, {}
