"""Observers without a UI library: what the widgets, the credentials endpoint and the
environment export need of the binding, with traitlets' calling convention
(``observe(handler, names=...)``, a change with name, old, new, owner and type), so that
front-end code reads as it does for any traitlets object.

Unlike traitlets, a change is announced after the state has changed and its lock is released:
an observer may take its time (the environment export fetches credentials) or call back in
without holding up, or deadlocking, another thread's bind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

Handler = Callable[[dict[str, Any]], None]


class Observable:
    def __init__(self) -> None:
        self._observers: dict[str, list[Handler]] = {}
        self._observers_lock = threading.Lock()

    def observe(self, handler: Handler, names: str | Iterable[str]) -> None:
        with self._observers_lock:
            for name in [names] if isinstance(names, str) else names:
                self._observers.setdefault(name, []).append(handler)

    def unobserve(self, handler: Handler, names: str | Iterable[str]) -> None:
        """As traitlets: ValueError when ``handler`` does not observe ``names``."""
        with self._observers_lock:
            for name in [names] if isinstance(names, str) else names:
                self._observers.get(name, []).remove(handler)

    def observer_count(self, name: str) -> int:
        """How many observe ``name``: a closed widget must leave none behind."""
        with self._observers_lock:
            return len(self._observers.get(name, ()))

    def _announce(self, changes: list[tuple[str, Any, Any]]) -> None:
        """Call the observers of each (name, old, new), in order; no lock of ours is held."""
        for name, old, new in changes:
            with self._observers_lock:
                handlers = list(self._observers.get(name, ()))
            change = {"name": name, "old": old, "new": new, "owner": self, "type": "change"}
            for handler in handlers:
                handler(change)
