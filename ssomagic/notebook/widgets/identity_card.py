"""IdentityCard: who the kernel is, with a live countdown, a production marker and actions."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import ipywidgets as widgets
from traitlets import Unicode

from ...commands import NOTEBOOK, phrase
from ...engine.access.identity import Identity, whoami
from ...engine.access.portal import not_signed_in
from ...engine.binding.kernel_binding import KernelBinding, kernel_binding
from ...engine.config.read import PRODUCTION_KEY, PlainProfile, Profile, load_config
from ...engine.config.write import set_profile
from ...engine.errors import SsoMagicError
from ...engine.runtime import Runtime
from ...engine.signin.session_status import session_status
from ...engine.signin.sign_out import logout_session
from ...engine.signin.tokens import is_signed_in
from ..render import identity_card_html, identity_text, message_html
from .background import BackgroundWork
from .login_button import LoginButton


class IdentityCard(BackgroundWork, widgets.VBox):
    """Who the kernel is: account, role, region, ARN, a live countdown, production marker.

    State (``profile``, ``identity``, ``state``, the load counter) changes under ``self.lock``
    only: the kernel's thread (clicks), the executor (loads) and the ticker all touch it.
    """

    profile = Unicode(None, allow_none=True)
    state = Unicode("empty", help="empty | loading | ready | signed-out | error")

    def __init__(self, binding: KernelBinding | None = None, *, runtime: Runtime | None = None,
                 production_profiles: tuple[str, ...] | list[str] = (),
                 warn_before: float = 900, follow_binding: bool = True,
                 profile: str | None = None, **kwargs: Any) -> None:
        self._init_background()
        self.binding = binding or kernel_binding()
        self.runtime = runtime or self.binding.runtime
        self.production_profiles = list(production_profiles)
        self.warn_before = warn_before
        self.identity: Identity | None = None
        self.html = widgets.HTML()
        self.html.add_class("ssomagic-card-html")
        # HTML, not a Label: a Label never wraps, and these lines are long.
        self.message = widgets.HTML(layout=widgets.Layout(display="none"))
        self.said = ""
        self.message.add_class("ssomagic-card-message")
        self.logout_button = widgets.Button(description="Sign out", icon="sign-out")
        self.logout_button.add_class("ssomagic-logout-button")
        self.production_toggle = widgets.ToggleButton(
            description="Production", icon="exclamation-triangle",
            tooltip="Mark this profile as production: writes `ssomagic_production = true` to "
                    "its [profile] section in your AWS config (the AWS CLI ignores the key); "
                    "the card then shows a red PRODUCTION marker.")
        self.production_toggle.add_class("ssomagic-production-toggle")
        self.switch = widgets.Dropdown(description="Switch to", options=[], value=None)
        self.switch.add_class("ssomagic-switch")
        self._identity_at: Any = None  # when the identity shown was asked for
        self.login = LoginButton(runtime=self.runtime, binding=self.binding,
                                 on_signed_in=self._signed_in,
                                 layout=widgets.Layout(display="none"))
        self.login.add_class("ssomagic-card-login")
        self.actions = widgets.HBox([self.switch, self.production_toggle, self.logout_button])
        super().__init__(children=[self.html, self.message, self.actions, self.login],
                         **kwargs)
        self.add_class("ssomagic-card")
        self.logout_button.on_click(  # Logout is a request: off the kernel's thread
            lambda _: self.in_background(self.sign_out, "sign out"))
        self.production_toggle.observe(self._toggle_production, names="value")
        self.switch.observe(self._switch, names="value")
        # Each refresh gets a number; only the newest one's answer is shown, so two loads
        # racing (a sign-in that also rebinds) can never leave an older identity on the card.
        self._loads = 0
        self._follows_binding = follow_binding
        self._refresh_switch()
        if follow_binding:
            self.follow(self.binding, self._binding_changed, "changes")
        self.profile = profile or self.binding.profile
        self.start_ticking()

    # rendering
    def _say(self, text: str) -> None:
        """A line under the card; hidden when there is nothing to say."""
        self.said = text
        self.message.value = message_html(text, "ssomagic-card-line") if text else ""
        self.message.layout.display = None if text else "none"

    def fallback(self) -> tuple[str, str]:
        """The identity as text and as the card's HTML, as it was when displayed."""
        with self.lock:
            identity = self.identity
        if identity is None:
            return super().fallback()
        profile = self._profile()
        production = profile is not None and profile.is_production(self.production_profiles)
        # As of when the identity was asked for, as every other card of the notebook is
        # saved: one profile never shows two times left.
        now = self._identity_at or self.runtime.now()
        return (identity_text(identity, now, production=production,
                              warn_before=self.warn_before),
                identity_card_html(identity, now, production=production,
                                   warn_before=self.warn_before))

    def show_error(self, text: str) -> None:
        with self.lock:
            self._say(text)
            self.state = "error"

    def _profile(self) -> Profile | PlainProfile | None:
        return load_config(self.runtime).find_any(self.profile)

    def render(self) -> None:
        with self.lock:
            self._render()

    def _render(self) -> None:
        # Sign out and Production act on someone shown: with nobody on the card, they go.
        shown = None if self.identity is not None else "none"
        self.logout_button.layout.display = self.production_toggle.layout.display = shown
        if self.identity is None:
            self.html.value = ""
            return
        profile = self._profile()
        production = profile is not None and profile.is_production(self.production_profiles)
        self.html.value = identity_card_html(self.identity, self.runtime.now(),
                                             production=production, warn_before=self.warn_before)
        with self._own_change():
            self.production_toggle.value = production
        left = self.identity.seconds_left(self.runtime.now())
        if left < self.warn_before and profile is not None:
            self.login.profile = profile.name
            self.login.force = left > 0
            self.login.layout.display = None
        elif not self.login.running:
            self.login.layout.display = "none"

    def tick(self) -> None:
        with self.lock:
            if self.identity is not None:
                self._render()

    def show(self, identity: Identity) -> None:
        """Show an identity already known (after %sso login or whoami): no network."""
        with self.lock:
            self._loads += 1
            self.profile, self.identity = identity.profile, identity
            self._identity_at = self.runtime.now()
            self._say("")
            self._render()
            self.state = "ready"  # last: "ready" promises that the card shows the identity

    @property
    def seconds_left(self) -> float:
        if self.identity is None:
            return 0.0
        return self.identity.seconds_left(self.runtime.now())

    # loading
    def load(self) -> Future[object] | None:
        """Ask STS and the portal who the bound profile is, on the executor."""
        with self.lock:
            self._loads += 1
            profile = self._profile()
            if profile is None:
                self.identity = None
                self._render()
                self._say("No profile is bound: choose one, or run %sso use PROFILE.")
                self.state = "empty"
                return None
            self.state = "loading"
            self._say(f"Asking AWS who {profile.name} is...")
            load = self._loads
        return self.in_background(lambda: self._load(profile, load), "show who you are")

    def _load(self, profile: Profile | PlainProfile, load: int) -> None:
        try:
            identity = whoami(profile, self.runtime)
        except SsoMagicError as exc:
            with self.lock:
                if load != self._loads:
                    return  # a newer load owns the card
                self.identity = None
                self._render()
                self._say(phrase(str(exc), NOTEBOOK))
                if isinstance(profile, Profile):  # a plain profile has nothing to sign in to
                    self._offer_sign_in(profile)
                self.state = "signed-out"
            return
        with self.lock:
            if load != self._loads:
                return  # switched or reloaded meanwhile
            self.identity = identity
            self._identity_at = self.runtime.now()
            self._say("")
            self._render()
            self.state = "ready"

    def offer_sign_in(self, profile: Profile) -> None:
        """A chosen profile that is not signed in: the card's one sign-in button for it."""
        with self.lock:
            self._loads += 1
            self.profile, self.identity = profile.name, None
            self._render()
            self._say(why_not_signed_in(profile, self.runtime))
            self._offer_sign_in(profile)
            self.state = "signed-out"

    def _offer_sign_in(self, profile: Profile) -> None:
        self.login.profile = profile.name
        self.login.force = False
        self.login.layout.display = None

    def _binding_changed(self, change: dict[str, Any]) -> None:
        with self.lock:
            changed = self.binding.profile != self.profile or self.identity is None
            if changed:
                self.profile = self.binding.profile
                self.identity = None
        if changed:
            self.load()
        self._refresh_switch()

    def _signed_in(self, profile: Profile) -> None:
        """After a sign-in by a button: the engine has bound the profile (when it has a role);
        the binding's observer reloads a card that follows it, any other card reloads here."""
        with self.lock:
            self.profile, self.identity = profile.name, None
        if not (profile.has_role and self._follows_binding):
            self.load()

    # actions
    def _refresh_switch(self) -> None:
        config = load_config(self.runtime)
        names = [p.name for p in config.sso_profiles() if p.has_role] + [
            p.name for p in config.plain_profiles()]
        with self.lock, self._own_change():
            self.switch.options = names
            self.switch.value = (self.binding.profile if self.binding.profile in names
                                 else None)

    def _switch(self, change: dict[str, Any]) -> None:
        if self._is_own_change() or not change["new"] or change["new"] == self.binding.profile:
            return
        self.in_background(lambda: self._switch_to(change["new"]), "switch profiles")

    def _switch_to(self, name: str) -> None:
        config = load_config(self.runtime)
        plain = config.plain(name)
        if plain is not None:
            self.binding.bind(plain)
            return
        profile = config.profile(name)
        if not is_signed_in(profile, self.runtime):
            self.offer_sign_in(profile)
            return
        self.binding.bind(profile)

    def sign_out(self) -> None:
        profile = self._profile()
        if not isinstance(profile, Profile):
            return  # nobody shown, or a plain profile: no sign-in to end
        logout_session(profile.sso, self.runtime, load_config(self.runtime), profile.name)
        if self.binding.profile == profile.name:
            self.binding.unbind()
        with self.lock:
            self._loads += 1
            self.identity = None
            self._render()
            self._say(f"Signed out of {profile.sso.label}.")
            self._offer_sign_in(profile)
            self.state = "signed-out"

    def _toggle_production(self, change: dict[str, Any]) -> None:
        if self._is_own_change() or not self.profile:
            return
        name, value = self.profile, "true" if change["new"] else None

        def write() -> None:
            set_profile(name, {PRODUCTION_KEY: value}, self.runtime)
            self.render()

        self.in_background(write, "mark the profile as production")

    def close(self) -> None:
        """Stop the countdown and the binding observer, end a running sign-in, close all."""
        self.close_background()
        self.login.close()
        for child in (self.html, self.message, self.logout_button, self.production_toggle,
                      self.switch, self.actions):
            child.close()  # every box too: an open one would point at closed children
        super().close()


def why_not_signed_in(profile: Profile, runtime: Runtime) -> str:
    """One line for the card of a profile that is not signed in: expired (and when), ended by
    the server, or never signed in; the sign-in button below is the fix in each case."""
    status = session_status(profile.sso, runtime)
    if status.state == "unreadable" and status.problem:
        return status.problem
    if status.state in ("expired", "rejected"):
        return not_signed_in(profile.sso, profile.name, status=status).message
    return f"{profile.name} is not signed in."
