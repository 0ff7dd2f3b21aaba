"""LoginButton: a sign-in on a background thread, with link, code (for a device flow),
countdown and cancel; one click in the browser (PKCE) where the page and the kernel are on the
same machine, the device code elsewhere (engine/signin/flow_choice.py)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import ipywidgets as widgets
from traitlets import Bool, Unicode

from ...engine.access.resolve import resolve_profile
from ...engine.binding.kernel_binding import KernelBinding, kernel_binding
from ...engine.config.read import Profile, SsoSession
from ...engine.events import (
    BrowserSignIn,
    CodeReady,
    Event,
    Failed,
    SignedIn,
    StillWaiting,
    WaitingForOtherLogin,
)
from ...engine.runtime import Runtime
from ...engine.signin.sign_in import SignIn, SignInResult
from ..render import callback_page_html, sign_in_panel_html
from .background import BackgroundWork


class LoginButton(BackgroundWork, widgets.VBox):
    """Runs the device flow on a background thread and shows the link, the code and a countdown.

    Once signed in, a profile with a role is bound to the kernel (by the engine's sign-in, as
    %sso login binds), then each ``on_signed_in`` callback gets the profile.
    """

    profile = Unicode(None, allow_none=True, help="profile (or ACCOUNT/ROLE) to sign in to")
    flow = Unicode("auto", help="auto, pkce or device: how to sign in")
    status = Unicode("", help="what the sign-in is doing, in words")
    running = Bool(False)

    def __init__(self, profile: str | None = None, *, runtime: Runtime | None = None,
                 binding: KernelBinding | None = None, force: bool = False,
                 on_signed_in: Callable[[Profile], object] | None = None,
                 target: Callable[[], Profile | SsoSession] | None = None, **kwargs: Any
                 ) -> None:
        """``target``, when given, says what to sign in to at click time (the configure
        wizard signs in to an sso-session that is not in the config yet)."""
        self._init_background()
        self.runtime = runtime or Runtime()
        self.binding = binding or kernel_binding()
        self.force = force
        self.target = target
        self.on_result: list[Callable[[SignInResult], object]] = []  # after any sign-in
        self.on_signed_in: list[Callable[[Profile], object]] = [on_signed_in] if on_signed_in \
            else []
        # As wide as its label: "Sign in (DataScientist-111122223333)" is not cut.
        self.button = widgets.Button(description="Sign in", icon="sign-in",
                                     button_style="primary",
                                     layout=widgets.Layout(width="auto", min_width="fit-content"))
        self.button.add_class("ssomagic-login-button")
        self.cancel_button = widgets.Button(description="Cancel", icon="times",
                                            layout=widgets.Layout(display="none"))
        self.cancel_button.add_class("ssomagic-cancel-button")
        self.code_panel = widgets.HTML()
        self.code_panel.add_class("ssomagic-code-panel-widget")
        self.status_label = widgets.Label()
        self.status_label.add_class("ssomagic-login-status")
        # While a sign-in waits: the other way in one click, and (one-click sign-in) a field
        # for the address a browser that could not reach this machine shows.
        self.other_button = widgets.Button(layout=widgets.Layout(display="none", width="auto"))
        self.other_button.add_class("ssomagic-other-flow")
        self.paste = widgets.Text(placeholder="If the page the browser lands on cannot be "
                                  "reached, paste its address here and press Enter",
                                  continuous_update=False,
                                  layout=widgets.Layout(display="none", width="100%"))
        self.paste.add_class("ssomagic-paste-callback")
        self.row = widgets.HBox([self.button, self.cancel_button, self.other_button,
                                 self.status_label])
        super().__init__(children=[self.row, self.code_panel, self.paste], **kwargs)
        self.add_class("ssomagic-login")
        self.button.on_click(lambda _: self.start())
        self.cancel_button.on_click(lambda _: self.cancel())
        self.other_button.on_click(lambda _: self.switch_flow())
        self.paste.observe(lambda change: self._pasted() if change["new"] else None,
                           names="value")
        self._sign_in: SignIn | None = None
        self._cancel_requested = False
        self._code: CodeReady | BrowserSignIn | None = None
        self.thread: Future[object] | None = None  # the running sign-in, for tests to wait on
        self.profile = profile
        self._label()
        self.observe(self._retarget, names="profile")

    def _retarget(self, change: dict[str, Any]) -> None:
        """Another profile to sign in to: the last sign-in's words no longer apply."""
        self._label()
        if not self.running:
            self._set_status("")

    def _label(self) -> None:
        self.button.description = f"Sign in ({self.profile})" if self.profile else "Sign in"

    def _set_status(self, text: str) -> None:
        self.status = text
        self.status_label.value = text

    def show_error(self, text: str) -> None:
        with self.lock:
            self._code = None
            self.code_panel.value = ""
            self._set_status(text)

    def start(self) -> Future[object] | None:
        """Start signing in on a background thread (the click handler returns at once)."""
        with self.lock:
            if self.running or self.closed:
                return None
            self.running = True
            self._cancel_requested = False
            self.button.disabled = True
            self.cancel_button.layout.display = None
            self._set_status("Starting the sign-in...")
            self.thread = self.in_background(self._run, "sign in")
            return self.thread

    def cancel(self) -> None:
        with self.lock:
            self._cancel_requested = True
            if self._sign_in is not None:
                self._sign_in.cancel()

    def switch_flow(self) -> Future[object]:
        """Stop this sign-in and start it again the other way (device code / one click), off
        the kernel's thread: the stop takes up to a second."""
        with self.lock:
            current = getattr(self, "flow_choice", None)
            self.flow = "device" if current is not None and current.flow == "pkce" else "pkce"
            self.cancel()
            running = self.thread

        def again() -> None:
            if running is not None:
                with contextlib.suppress(Exception):  # the stopped one's end is no news
                    running.result(timeout=30)
            self.start()

        return self.in_background(again, "switch the way of signing in")

    def _pasted(self) -> None:
        address, self.paste.value = self.paste.value, ""  # the code in it: not kept in state
        with self.lock:
            taken = self._sign_in is not None and self._sign_in.paste(address)
        if not taken:
            self._set_status("That address is not the one this sign-in waits for (its state "
                             "does not match); paste the whole address the browser shows.")

    def _run(self) -> None:
        try:
            # Resolving ACCOUNT/ROLE may ask the portal: that too stays off the kernel's thread.
            target = self.target() if self.target else resolve_profile(self.profile,
                                                                        self.runtime)
            with self.lock:
                from ...engine.signin.flow_choice import choose
                from ..page_location import page_host

                session = target.sso if isinstance(target, Profile) else target
                self.flow_choice = choose(self.flow, session, os.environ, page_host=page_host())
                self._sign_in = SignIn(target, runtime=self.runtime, listener=self._on_event,
                                       force=self.force, binding=self.binding,
                                       flow=self.flow_choice.flow, page=callback_page_html)
                if self._cancel_requested:
                    self._sign_in.cancel()
            result = self._sign_in.run()
            for done in self.on_result:
                done(result)
            if isinstance(target, Profile):
                for callback in self.on_signed_in:
                    callback(target)
        finally:  # whatever happened, the button works again (the error is shown by the caller)
            with self.lock:
                self._sign_in = None
                self.running = False
                self.button.disabled = False
                self.cancel_button.layout.display = "none"
            self.stop_ticking()

    def _on_event(self, event: Event) -> None:
        with self.lock:
            if isinstance(event, CodeReady | BrowserSignIn):
                self._code = event
                self.code_panel.value = sign_in_panel_html(event, self._seconds_left())
                pkce = isinstance(event, BrowserSignIn)
                self.other_button.description = ("Use a device code instead" if pkce
                                                  else "Sign in with one click instead")
                self.other_button.layout.display = None
                self.paste.layout.display = None if pkce else "none"
                self._set_status("Waiting for you to allow access...")
                self.start_ticking()
            elif isinstance(event, StillWaiting):
                self.tick()
            elif isinstance(event, WaitingForOtherLogin):
                self._set_status(f"Another sign-in to {event.session} is running; waiting for "
                                 "it.")
            elif isinstance(event, SignedIn):
                self._code = None
                self.code_panel.value = ""
                self.other_button.layout.display = self.paste.layout.display = "none"
                self._set_status(f"Signed in to {event.session}.")
            elif isinstance(event, Failed):
                self._code = None
                self.code_panel.value = ""
                self.other_button.layout.display = self.paste.layout.display = "none"
                self._set_status(event.message)

    def _seconds_left(self) -> float:
        if self._code is None:
            return 0.0
        return max(0.0, (self._code.expires_at - self.runtime.now()).total_seconds())

    def tick(self) -> None:
        with self.lock:
            if self._code is not None:
                self.code_panel.value = sign_in_panel_html(self._code, self._seconds_left())

    def close(self) -> None:
        """Stop the countdown and any sign-in this button runs, then close the widgets."""
        self.cancel()
        self.close_background()
        for child in (self.button, self.cancel_button, self.code_panel, self.status_label,
                      self.other_button, self.paste, self.row):
            child.close()  # the box too: an open one would point at closed children
        super().close()
