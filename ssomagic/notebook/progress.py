"""A long listing's progress in a notebook: a bar in the running cell, updated in place.

The cell is blocked by its own command (so Run All keeps its order), and the bar is a plain
display output updated through its display id, so it also shows in a notebook executed
headless and saved (text/plain beside the HTML).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ..engine.access.portal import ListingProgress
from . import render


class ProgressBar:
    EVERY = 0.25  # seconds between updates: the bar moves, the front end is not flooded

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._last = clock()
        self._handle: Any = None
        self._latest: ListingProgress | None = None

    def show(self, progress: ListingProgress) -> None:
        with self._lock:
            self._latest = progress
            now = self.clock()
            if now - self._last < self.EVERY:
                return
            self._last = now
            self._publish(progress)

    def _publish(self, progress: ListingProgress) -> None:
        from IPython.display import display

        bundle = {"text/html": render.progress_html(progress), "text/plain": str(progress)}
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._handle is not None and self._latest is not None:
                self._publish(self._latest)  # the bar ends where the listing did
            self._last = float("inf")
