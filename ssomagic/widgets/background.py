"""Threads for widgets: slow work off the kernel's thread, and one shared once-a-second tick.

A click handler runs on the kernel's thread; anything that may touch the network (a device
flow, STS, the portal) goes to a daemon thread so the kernel stays free. Countdowns share a
single ticker thread that holds its widgets weakly, so a closed widget simply stops ticking.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any


def background(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


_ticking: weakref.WeakSet[Any] = weakref.WeakSet()
_ticker: threading.Thread | None = None
_ticker_lock = threading.Lock()


def _tick_forever() -> None:
    stop = threading.Event()
    while not stop.wait(1.0):
        for widget in list(_ticking):
            try:
                widget.tick()
            except Exception:  # a closed widget must not stop the others' countdowns
                _ticking.discard(widget)


def start_ticking(widget: Any) -> None:
    global _ticker
    _ticking.add(widget)
    with _ticker_lock:
        if _ticker is None or not _ticker.is_alive():
            _ticker = background(_tick_forever, "ssomagic-countdown")


def stop_ticking(widget: Any) -> None:
    _ticking.discard(widget)
