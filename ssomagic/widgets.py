"""ipywidgets for signing in: ProfilePicker, LoginButton, IdentityCard, and panel() composing them.

Everything slow (the device flow, portal listings, STS) runs on background threads, so the
kernel stays free while a widget works; the widgets update themselves from those threads. No
widget state ever holds a token, a client secret or a key: only codes, names and times.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from traitlets import Bool, Unicode

from .binding import KernelBinding, kernel_binding
from .config import PRODUCTION_KEY, Profile, load_config
from .config_writer import set_profile
from .errors import SsoMagicError
from .events import CodeReady, Event, Failed, SignedIn, StillWaiting, WaitingForOtherLogin
from .identity import Identity, known_account_names, whoami
from .render import code_panel_html, identity_card_html
from .resolve import resolve_profile
from .role_credentials import sign_in_happened
from .runtime import Runtime
from .sign_in import Login
from .sign_out import logout_session
from .tokens import current_token


def is_signed_in(profile: Profile, runtime: Runtime) -> bool:
    """A usable token for the profile's session (refreshed if due): may touch the network."""
    return current_token(profile.sso, runtime=runtime) is not None


def _background(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


# ---- a once-a-second tick for every live countdown ---------------------------------------

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


def _start_ticking(widget: Any) -> None:
    global _ticker
    _ticking.add(widget)
    with _ticker_lock:
        if _ticker is None or not _ticker.is_alive():
            _ticker = _background(_tick_forever, "ssomagic-countdown")


# ---- LoginButton ------------------------------------------------------------------------------

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
        self.thread = _background(self._run, "ssomagic-login")
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
            _ticking.discard(self)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, CodeReady):
            self._code = event
            self.code_panel.value = code_panel_html(event, self._seconds_left())
            self._set_status("Waiting for you to allow access...")
            _start_ticking(self)
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


# ---- IdentityCard -----------------------------------------------------------------------------

class IdentityCard(widgets.VBox):
    """Who the kernel is: account, role, region, ARN, a live countdown, production marker."""

    profile = Unicode(None, allow_none=True)
    state = Unicode("empty", help="empty | loading | ready | signed-out | error")

    def __init__(self, binding: KernelBinding | None = None, *, runtime: Runtime | None = None,
                 production_profiles: tuple[str, ...] | list[str] = (),
                 warn_before: float = 900, follow_binding: bool = True,
                 profile: str | None = None, **kwargs: Any) -> None:
        self.binding = binding or kernel_binding()
        self.runtime = runtime or self.binding.runtime
        self.production_profiles = list(production_profiles)
        self.warn_before = warn_before
        self.identity: Identity | None = None
        self.html = widgets.HTML()
        self.html.add_class("ssomagic-card-html")
        self.message = widgets.Label(layout=widgets.Layout(display="none"))
        self.message.add_class("ssomagic-card-message")
        self.logout_button = widgets.Button(description="Sign out", icon="sign-out")
        self.logout_button.add_class("ssomagic-logout-button")
        self.production_toggle = widgets.ToggleButton(description="Production",
                                                      icon="exclamation-triangle")
        self.production_toggle.add_class("ssomagic-production-toggle")
        self.switch = widgets.Dropdown(description="Switch to", options=[], value=None)
        self.switch.add_class("ssomagic-switch")
        self.login = LoginButton(runtime=self.runtime, binding=self.binding,
                                 on_signed_in=self._signed_in,
                                 layout=widgets.Layout(display="none"))
        self.login.add_class("ssomagic-card-login")
        super().__init__(children=[self.html, self.message, widgets.HBox(
            [self.switch, self.production_toggle, self.logout_button]), self.login], **kwargs)
        self.add_class("ssomagic-card")
        self.logout_button.on_click(
            lambda _: _background(self.sign_out, "ssomagic-logout"))  # Logout is a request
        self.production_toggle.observe(self._toggle_production, names="value")
        self.switch.observe(self._switch, names="value")
        self._updating = False
        # Each refresh gets a number; only the newest one's answer is shown, so two loads
        # racing (a sign-in that also rebinds) can never leave an older identity on the card.
        self._loads = 0
        self._follows_binding = follow_binding
        self._refresh_switch()
        if follow_binding:
            self.binding.observe(self._binding_changed, names="changes")
        self.profile = profile or self.binding.profile
        _start_ticking(self)

    # rendering
    def _say(self, text: str) -> None:
        """A line under the card; hidden when there is nothing to say."""
        self.message.value = text
        self.message.layout.display = None if text else "none"

    def _profile(self) -> Profile | None:
        return load_config(self.runtime).find(self.profile)

    def render(self) -> None:
        if self.identity is None:
            self.html.value = ""
            return
        profile = self._profile()
        production = profile is not None and profile.is_production(self.production_profiles)
        self.html.value = identity_card_html(self.identity, self.runtime.now(),
                                             production=production, warn_before=self.warn_before)
        self._updating = True
        self.production_toggle.value = production
        self._updating = False
        left = (self.identity.token_expires_at - self.runtime.now()).total_seconds()
        if left < self.warn_before and profile is not None:
            self.login.profile = profile.name
            self.login.force = left > 0
            self.login.layout.display = None
        elif not self.login.running:
            self.login.layout.display = "none"

    def tick(self) -> None:
        if self.identity is not None:
            self.render()

    def show(self, identity: Identity) -> None:
        """Show an identity already known (after %sso login or whoami): no network."""
        self._loads += 1
        self.profile, self.identity = identity.profile, identity
        self._say("")
        self.render()
        self.state = "ready"  # last: "ready" promises that the card shows the identity

    @property
    def seconds_left(self) -> float:
        if self.identity is None:
            return 0.0
        return (self.identity.token_expires_at - self.runtime.now()).total_seconds()

    # loading
    def refresh(self) -> threading.Thread | None:
        """Ask STS and the portal who the bound profile is, on a background thread."""
        self._loads += 1
        profile = self._profile()
        if profile is None:
            self.identity = None
            self.render()
            self._say("No profile is bound: choose one, or run %sso use PROFILE.")
            self.state = "empty"
            return None
        self.state = "loading"
        self._say(f"Asking AWS who {profile.name} is...")
        load = self._loads
        return _background(lambda: self._load(profile, load), "ssomagic-whoami")

    def _load(self, profile: Profile, load: int) -> None:
        try:
            identity = whoami(profile, self.runtime)
        except SsoMagicError as exc:
            if load != self._loads:
                return  # a newer refresh owns the card
            self.identity = None
            self.render()
            self._say(str(exc))
            self.login.profile = profile.name
            self.login.force = False
            self.login.layout.display = None
            self.state = "signed-out"
            return
        except Exception as exc:  # network trouble: say so, keep the kernel going
            if load == self._loads:
                self._say(f"Could not load identity: {exc}")
                self.state = "error"
            return
        if load != self._loads:
            return  # switched or refreshed meanwhile
        self.identity = identity
        self._say("")
        self.render()
        self.state = "ready"

    def _binding_changed(self, change: dict[str, Any]) -> None:
        if self.binding.profile != self.profile or self.identity is None:
            self.profile = self.binding.profile
            self.identity = None
            self.refresh()
        self._refresh_switch()

    def _signed_in(self, profile: Profile) -> None:
        self.profile, self.identity = profile.name, None
        if profile.has_role:
            self.binding.bind(profile)
            if self._follows_binding:
                return  # binding's observer (ours among them) refreshes the card
        self.refresh()

    # actions
    def _refresh_switch(self) -> None:
        names = [p.name for p in load_config(self.runtime).sso_profiles() if p.has_role]
        self._updating = True
        self.switch.options = names
        self.switch.value = self.binding.profile if self.binding.profile in names else None
        self._updating = False

    def _switch(self, change: dict[str, Any]) -> None:
        if self._updating or not change["new"] or change["new"] == self.binding.profile:
            return
        _background(lambda: self._switch_to(change["new"]), "ssomagic-bind")

    def _switch_to(self, name: str) -> None:
        profile = load_config(self.runtime).profile(name)
        if not is_signed_in(profile, self.runtime):
            self._loads += 1
            self.profile, self.identity = profile.name, None
            self.render()
            self._say(f"{profile.name} is not signed in.")
            self.login.profile, self.login.force = profile.name, False
            self.login.layout.display = None
            self.state = "signed-out"
            return
        self.binding.bind(profile)

    def sign_out(self) -> None:
        profile = self._profile()
        if profile is None:
            return
        logout_session(profile.sso, self.runtime, load_config(self.runtime), profile.name)
        if self.binding.profile == profile.name:
            self.binding.unbind()
        self._loads += 1
        self.identity = None
        self.render()
        self._say(f"Signed out of {profile.sso.label}.")
        self.state = "signed-out"

    def _toggle_production(self, change: dict[str, Any]) -> None:
        if self._updating or not self.profile:
            return
        set_profile(self.profile, {PRODUCTION_KEY: "true" if change["new"] else None},
                    self.runtime)
        self.render()


# ---- ProfilePicker ----------------------------------------------------------------------------

def _label(profile: Profile, names: dict[str, str]) -> str:
    account = names.get(profile.account_id or "", "")
    account_text = f"{account} ({profile.account_id})" if account else (profile.account_id or "-")
    session = profile.sso.label
    return f"{session} / {account_text} / {profile.role_name or '-'}   [{profile.name}]"


class ProfilePicker(widgets.VBox):
    """Profiles grouped by sso-session and account, with account names; type to filter."""

    value = Unicode(None, allow_none=True, help="the chosen profile's name")

    def __init__(self, *, runtime: Runtime | None = None, binding: KernelBinding | None = None,
                 bind_on_choose: bool = True, **kwargs: Any) -> None:
        self.runtime = runtime or Runtime()
        self.binding = binding or kernel_binding()
        self.bind_on_choose = bind_on_choose
        self.filter = widgets.Text(placeholder="Filter: account, role or profile",
                                   continuous_update=True)
        self.filter.add_class("ssomagic-filter")
        self.select = widgets.Select(options=[], rows=8,
                                     layout=widgets.Layout(width="100%"))
        self.select.add_class("ssomagic-picker-select")
        super().__init__(children=[self.filter, self.select], **kwargs)
        self.add_class("ssomagic-picker")
        self.names: dict[str, str] = {}
        self._choices: list[tuple[str, str]] = []
        self._updating = False
        self.reload()
        self.filter.observe(lambda _: self._apply_filter(), names="value")
        self.select.observe(self._chosen, names="value")
        self.loader = self.load_names()

    def load_names(self) -> threading.Thread:
        """Fetch account names from every signed-in session, in the background."""
        self.loader = _background(self._load_names, "ssomagic-account-names")
        return self.loader

    def reload(self) -> None:
        profiles = [p for p in load_config(self.runtime).sso_profiles() if p.has_role]
        # Named sso-sessions first, then legacy start URLs; within each, by account, role.
        profiles.sort(key=lambda p: (p.sso.name is None, p.sso.label,
                                     self.names.get(p.account_id or "", p.account_id or ""),
                                     p.role_name or "", p.name))
        self._choices = [(_label(p, self.names), p.name) for p in profiles]
        self._apply_filter()

    def _apply_filter(self) -> None:
        words = self.filter.value.lower().split()
        shown = [c for c in self._choices if all(w in c[0].lower() for w in words)]
        self._updating = True
        current = self.select.value
        self.select.options = shown
        self.select.value = current if current in [n for _, n in shown] else None
        self._updating = False

    def _load_names(self) -> None:
        self.names.update(known_account_names(self.runtime, load_config(self.runtime).sessions()))
        self.reload()

    def _chosen(self, change: dict[str, Any]) -> None:
        if self._updating or change["new"] is None:
            return
        self.value = change["new"]
        if self.bind_on_choose:
            _background(lambda: self._bind_if_signed_in(change["new"]), "ssomagic-bind")

    def _bind_if_signed_in(self, name: str) -> None:
        profile = load_config(self.runtime).profile(name)
        if is_signed_in(profile, self.runtime):
            self.binding.bind(profile)


def panel(*, runtime: Runtime | None = None, binding: KernelBinding | None = None,
          production_profiles: tuple[str, ...] | list[str] = (),
          warn_before: float = 900) -> widgets.VBox:
    """Picker, sign-in button and identity card, wired together: choose, sign in, see who."""
    binding = binding or kernel_binding()
    runtime = runtime or binding.runtime
    picker = ProfilePicker(runtime=runtime, binding=binding)
    card = IdentityCard(binding, runtime=runtime, production_profiles=production_profiles,
                        warn_before=warn_before)
    login = LoginButton(runtime=runtime, binding=binding, on_signed_in=card._signed_in,
                        layout=widgets.Layout(display="none"))  # shown for a signed-out choice
    login.add_class("ssomagic-panel-login")

    def offer_sign_in(name: str) -> None:
        profile = load_config(runtime).profile(name)
        login.layout.display = "none" if is_signed_in(profile, runtime) else None

    def chosen(change: dict[str, Any]) -> None:
        login.profile = change["new"]
        _background(lambda: offer_sign_in(change["new"]), "ssomagic-check")

    def signed_in(profile: Profile) -> None:
        login.layout.display = "none"  # the identity card takes its place
        picker.load_names()

    login.on_signed_in.append(signed_in)
    picker.observe(chosen, names="value")
    box = widgets.VBox([picker, login, card])
    box.add_class("ssomagic-panel")
    box.picker, box.login, box.card = picker, login, card
    if binding.profile:
        card.refresh()
    return box


__all__ = ["IdentityCard", "LoginButton", "ProfilePicker", "panel"]
