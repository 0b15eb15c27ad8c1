"""Messages that workers post to the app: a worker never waits on the UI to hear them."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class RefreshProgress(Message):
    """A refresh finished ``done`` of ``total`` feeds; a newer one replaces it in the queue."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshProgress)


class RefreshStage(Message):
    """Every feed is stored (``"stored"``), or the full-text index is complete
    (``"searchable"``)."""

    def __init__(self, stage: str) -> None:
        super().__init__()
        self.stage = stage


class RefreshDone(Message):
    def __init__(self, outcomes: list[Any]) -> None:
        super().__init__()
        self.outcomes = outcomes


class RefreshFailed(Message):
    """The refresh stopped short; ``message`` is the one line that says why."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class StoreChanged(Message):
    """What the store's watch saw: (newest article id, latest fetch time, unread count)."""

    def __init__(self, marker: tuple[int, float, int]) -> None:
        super().__init__()
        self.marker = marker
