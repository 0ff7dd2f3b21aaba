"""Sign-in progress in a notebook cell: one display slot, updated in place, that shows the link,
the code and a countdown, and is cleared (or replaced by the identity card) at the end.

In a kernel with a front end, the code also floats over the page (widgets/code_beacon.py) while
it waits, so Run All, which scrolls away from the blocked cell, never hides it.
"""

from __future__ import annotations

from typing import Any

from IPython.display import display

from ..engine.events import (
    BrowserSignIn,
    CodeReady,
    Event,
    Failed,
    SignedIn,
    StillWaiting,
    WaitingForOtherLogin,
)
from ..engine.runtime import Runtime
from .render import (
    code_beacon_html,
    code_beacon_title,
    message_html,
    sign_in_panel_html,
    sign_in_panel_text,
)


class CodePanel:
    """Renders sign-in events into one display slot that is updated in place."""

    def __init__(self, runtime: Runtime, *, beacon: bool = False) -> None:
        self.runtime = runtime
        self.handle: Any = None
        self._code: CodeReady | BrowserSignIn | None = None
        self._beacon_wanted = beacon
        self._beacon: Any = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, CodeReady | BrowserSignIn):
            self._code = event
            self._show(sign_in_panel_html(event, self._left()),
                       sign_in_panel_text(event, self._left()))
        elif isinstance(event, StillWaiting) and self._code is not None:
            self._show(sign_in_panel_html(self._code, self._left()),
                       sign_in_panel_text(self._code, self._left()))
        elif isinstance(event, WaitingForOtherLogin):
            text = f"Another sign-in to {event.session} is running; waiting for it."
            self._show(message_html(text), text)
        elif isinstance(event, SignedIn | Failed):
            self._code = None
            self.clear()

    def _left(self) -> float:
        assert self._code is not None
        return max(0.0, (self._code.expires_at - self.runtime.now()).total_seconds())

    def _show(self, html: str, text: str) -> None:
        bundle = {"text/html": html, "text/plain": text}
        if self.handle is None:
            self.handle = display(bundle, raw=True, display_id=True)
        else:
            self.handle.update(bundle, raw=True)
        self._signal()

    def _signal(self) -> None:
        """Keep the floating copy in step with the cell: there while a code waits, gone after."""
        if not self._beacon_wanted:
            return
        if self._code is None:
            self._close_beacon()
            return
        html = code_beacon_html(self._code, self._left())
        if self._beacon is None:
            from .widgets.code_beacon import CodeBeacon

            self._beacon = CodeBeacon(html=html, title=code_beacon_title(self._code),
                                      code=getattr(self._code, "user_code", ""))
        else:
            self._beacon.html = html

    def _close_beacon(self) -> None:
        if self._beacon is not None:
            self._beacon.close()
            self._beacon = None

    def clear(self) -> None:
        self._close_beacon()
        if self.handle is not None:
            self.handle.update({"text/html": "", "text/plain": ""}, raw=True)

    def replace_with(self, obj: Any) -> None:
        self._close_beacon()
        if self.handle is not None:
            self.handle.update(obj)
        else:
            display(obj)
