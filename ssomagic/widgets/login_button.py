"""LoginButton: the device flow on a background thread, with link, code, countdown and cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from traitlets import Bool, Unicode

from ..binding import KernelBinding, kernel_binding
from ..config import Profile
from ..errors import SsoMagicError
from ..events import CodeReady, Event, Failed, SignedIn, StillWaiting, WaitingForOtherLogin
from ..render import code_panel_html
from ..resolve import resolve_profile
from ..role_credentials import sign_in_happened
from ..runtime import Runtime
from ..sign_in import Login
from .background import background, start_ticking, stop_ticking


class LoginButton(widgets.VBox):
    """Runs the device flow on a background thread and shows the link, the code and a countdown."""

    profile = Unicode(None, allow_none=True, help="profile (or ACCOUNT/ROLE) to sign in to")
    status = Unicode("", help="what the sign-in is doing, in words")
    running = Bool(False)

    def __init__(self, profile: str | None = None, *, runtime: Runtime | None = None,
                 binding: KernelBinding | None = None, force: bool = False,
                 on_signed_in: Callable[[Profile], object] | None = None, **kwargs: Any
                 ) -> None:
        self.runtime = runtime or Runtime()
        self.binding = binding or kernel_binding()
        self.force = force
        self.on_signed_in: list[Callable[[Profile], object]] = [on_signed_in] if on_signed_in \
            else []
        self.button = widgets.Button(description="Sign in", icon="sign-in",
                                     button_style="primary")
        self.button.add_class("ssomagic-login-button")
        self.cancel_button = widgets.Button(description="Cancel", icon="times",
                                            layout=widgets.Layout(display="none"))
        self.cancel_button.add_class("ssomagic-cancel-button")
        self.code_panel = widgets.HTML()
        self.code_panel.add_class("ssomagic-code-panel-widget")
        self.status_label = widgets.Label()
        self.status_label.add_class("ssomagic-login-status")
        super().__init__(children=[widgets.HBox([self.button, self.cancel_button,
                                                 self.status_label]), self.code_panel],
                         **kwargs)
        self.add_class("ssomagic-login")
        self.button.on_click(lambda _: self.start())
        self.cancel_button.on_click(lambda _: self.cancel())
        self._login: Login | None = None
        self._cancel_requested = False
        self._code: CodeReady | None = None
        self.thread: threading.Thread | None = None
        self.profile = profile
        self._label()
        self.observe(lambda _: self._label(), names="profile")

    def _label(self) -> None:
        self.button.description = f"Sign in ({self.profile})" if self.profile else "Sign in"

    def _set_status(self, text: str) -> None:
        self.status = text
        self.status_label.value = text

    def start(self) -> threading.Thread | None:
        """Start signing in on a background thread (the click handler returns at once)."""
        if self.running:
            return None
        self.running = True
        self._cancel_requested = False
        self.button.disabled = True
        self.cancel_button.layout.display = None
        self._set_status("Starting the sign-in...")
        self.thread = background(self._run, "ssomagic-login")
        return self.thread

    def cancel(self) -> None:
        self._cancel_requested = True
        if self._login is not None:
            self._login.cancel()

    def _run(self) -> None:
        try:
            # Resolving ACCOUNT/ROLE may ask the portal: that too stays off the kernel's thread.
            profile = resolve_profile(self.profile, self.runtime)
            self._login = Login(profile.sso, runtime=self.runtime, listener=self._on_event,
                                profile=profile.name, force=self.force)
            if self._cancel_requested:
                self._login.cancel()
            self._login.run()
        except SsoMagicError as exc:
            if self._login is None:  # failed before the flow began: no event said why
                self._set_status(str(exc))
        except Exception as exc:  # never let a thread die silently
            self._set_status(f"Sign-in failed: {type(exc).__name__}")
        else:
            sign_in_happened()
            for callback in self.on_signed_in:
                callback(profile)
        finally:
            self.running = False
            self.button.disabled = False
            self.cancel_button.layout.display = "none"
            stop_ticking(self)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, CodeReady):
            self._code = event
            self.code_panel.value = code_panel_html(event, self._seconds_left())
            self._set_status("Waiting for you to allow access...")
            start_ticking(self)
        elif isinstance(event, StillWaiting):
            self.tick()
        elif isinstance(event, WaitingForOtherLogin):
            self._set_status(f"Another sign-in to {event.session} is running; waiting for it.")
        elif isinstance(event, SignedIn):
            self._code = None
            self.code_panel.value = ""
            self._set_status(f"Signed in to {event.session}.")
        elif isinstance(event, Failed):
            self._code = None
            self.code_panel.value = ""
            self._set_status(event.message)

    def _seconds_left(self) -> float:
        if self._code is None:
            return 0.0
        return max(0.0, (self._code.expires_at - self.runtime.now()).total_seconds())

    def tick(self) -> None:
        if self._code is not None:
            self.code_panel.value = code_panel_html(self._code, self._seconds_left())
