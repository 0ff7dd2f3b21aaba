"""The widgets' threading model, in one place.

- Slow work (a device flow, STS, the portal, a config write) runs on one shared executor, never
  on the kernel's thread: a click handler returns at once and the kernel stays free.
- An error in that work is shown in the widget that asked for it (and logged), never dropped.
- Each widget guards its own state with its own lock; the executor's threads and the kernel's
  thread both go through it.
- Countdowns share one ticker thread, which holds its widgets weakly and ends when none is
  left; ``close()`` takes a widget off the ticker and off everything it observes.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from ...commands import NOTEBOOK, phrase
from ...engine.errors import SsoMagicError

log = logging.getLogger("ssomagic")

# Enough for a sign-in waiting for approval beside a few quick lookups; more would only let a
# burst of clicks open more connections to the same service.
MAX_WORKERS = 8
TICK = 1.0


class _Executor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, fn: Callable[[], object]) -> Future[object]:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix="ssomagic-widget")
            return self._pool.submit(fn)


class Ticker:
    """One thread ticking every registered widget once a second, while there are any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._widgets: weakref.WeakSet[Any] = weakref.WeakSet()
        self._thread: threading.Thread | None = None

    def add(self, widget: Any) -> None:
        with self._lock:
            self._widgets.add(widget)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ssomagic-ticker",
                                                daemon=True)
                self._thread.start()

    def discard(self, widget: Any) -> None:
        with self._lock:
            self._widgets.discard(widget)

    def __len__(self) -> int:
        with self._lock:
            return len(self._widgets)

    @property
    def running(self) -> bool:
        with self._lock:
            return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while True:
            time.sleep(TICK)
            with self._lock:
                widgets = list(self._widgets)
                if not widgets:
                    self._thread = None
                    return
            for widget in widgets:
                try:
                    widget.tick()
                except Exception:  # one widget's failure must not stop the others' countdowns
                    log.debug("A widget's tick failed; it stops ticking.", exc_info=True)
                    self.discard(widget)


executor = _Executor()
ticker = Ticker()


class BackgroundWork:
    """Mixed into each ssomagic widget: its lock, its background work, its clean close."""

    def _init_background(self) -> None:
        self.lock = threading.RLock()
        self.closed = False
        self._followed: list[tuple[Any, Callable[..., None], str]] = []
        self._setting = threading.local()

    def show_error(self, text: str) -> None:
        """How the widget says that its background work failed (each widget overrides)."""

    def fallback(self) -> tuple[str, str]:
        """(text, HTML) for where no live kernel renders the widget: a saved notebook on
        GitHub, nbviewer, nbconvert, JupyterLab after a restart. The same facts, no secret."""
        from ..render import message_html

        text = f"[ssomagic {type(self).__name__}: shown with a live kernel]"
        return text, message_html(text, "ssomagic-fallback")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        if isinstance(bundle, dict):
            text, html = self.fallback()
            bundle["text/plain"], bundle["text/html"] = text, html
        return bundle

    def in_background(self, work: Callable[[], object], what: str) -> Future[object]:
        """Run ``work`` on the shared executor; a failure is shown in this widget."""

        def run() -> object:
            if self.closed:
                return None
            try:
                return work()
            except SsoMagicError as exc:
                self.show_error(phrase(str(exc), NOTEBOOK))
            except Exception as exc:
                log.warning("ssomagic could not %s.", what, exc_info=True)
                self.show_error(f"Could not {what} ({type(exc).__name__}); the details are in "
                                "the kernel's log.")
            return None

        return executor.submit(run)

    @contextmanager
    def _own_change(self) -> Iterator[None]:
        """A value the widget sets itself (a toggle shown as the profile is, a list's
        choices) is not the user's act. Its observer runs at once on the thread that set it,
        so a per-thread mark tells the two apart: a shared flag, set by the ticker's thread,
        made a user's click on the kernel's thread count as the widget's (and be lost), and
        could let the widget's own change pass as the user's (and write the config)."""
        self._setting.active = True
        try:
            yield
        finally:
            self._setting.active = False

    def _is_own_change(self) -> bool:
        return bool(getattr(self._setting, "active", False))

    def follow(self, source: Any, handler: Callable[..., None], names: str) -> None:
        """Observe a trait of something that outlives this widget, until close()."""
        source.observe(handler, names=names)
        self._followed.append((source, handler, names))

    def start_ticking(self) -> None:
        if not self.closed:
            ticker.add(self)

    def stop_ticking(self) -> None:
        ticker.discard(self)

    def close_background(self) -> None:
        self.closed = True
        ticker.discard(self)
        for source, handler, names in self._followed:
            try:
                source.unobserve(handler, names=names)
            except ValueError:
                continue  # already gone
        self._followed.clear()
