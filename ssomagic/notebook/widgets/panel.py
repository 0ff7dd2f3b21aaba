"""Panel: picker, sign-in button and identity card wired together (what %sso picker shows)."""

from __future__ import annotations

from concurrent.futures import wait
from typing import Any

import ipywidgets as widgets

from ...engine.binding.kernel_binding import KernelBinding, kernel_binding
from ...engine.config.read import Profile, load_config
from ...engine.runtime import Runtime
from ...engine.signin.tokens import is_signed_in
from .background import BackgroundWork
from .identity_card import IdentityCard
from .profile_picker import ProfilePicker


class Panel(BackgroundWork, widgets.VBox):
    """Choose a profile, sign in if it needs it, see who you are."""

    def __init__(self, *, runtime: Runtime | None = None, binding: KernelBinding | None = None,
                 production_profiles: tuple[str, ...] | list[str] = (),
                 warn_before: float = 900) -> None:
        self._init_background()
        self.binding = binding or kernel_binding()
        self.runtime = runtime or self.binding.runtime
        self.picker = ProfilePicker(runtime=self.runtime, binding=self.binding)
        self.card = IdentityCard(self.binding, runtime=self.runtime,
                                 production_profiles=production_profiles,
                                 warn_before=warn_before)
        # One selector (the picker's) and one sign-in button (the card's, offered for a
        # signed-out choice too): the card's own profile switch is for a card shown alone.
        self.card.switch.layout.display = "none"
        self.login = self.card.login
        self.login.add_class("ssomagic-panel-login")
        self.login.on_signed_in.append(self._signed_in)
        super().__init__([self.picker, self.card])
        self.add_class("ssomagic-panel")
        self.follow(self.picker, self._chosen, "value")
        self.follow(self.card, self._card_changed, "state")
        self.display_handle: Any = None  # attach()ed by whoever displays the panel
        self._first_load = self.card.load() if self.binding.profile else None

    def show_error(self, text: str) -> None:
        self.picker.show_error(text)

    def fallback(self) -> tuple[str, str]:
        return self.card.fallback()

    def settle(self, timeout: float) -> None:
        """Wait (at most ``timeout`` s) for the card's first load, so the cell that shows the
        panel ends with the identity in its output rather than "Asking AWS..."."""
        if self._first_load is not None:
            wait([self._first_load], timeout=timeout)

    def attach(self, handle: Any) -> None:
        """The display this panel is shown in; its fallback follows the card from now on."""
        with self.lock:
            self.display_handle = handle
        if self.card.state == "ready":
            handle.update(self)

    def _card_changed(self, change: dict[str, Any]) -> None:
        """When the card shows someone, the saved notebook's fallback should too: the output
        is updated in place (the live view stays the same widget)."""
        if change["new"] == "ready" and self.display_handle is not None:
            self.display_handle.update(self)

    def _offer_sign_in(self, name: str) -> None:
        profile = load_config(self.runtime).profile(name)
        if not is_signed_in(profile, self.runtime):
            self.card.offer_sign_in(profile)  # the picker binds it otherwise; the card follows

    def _chosen(self, change: dict[str, Any]) -> None:
        self.in_background(lambda: self._offer_sign_in(change["new"]), "check the sign-in")

    def _signed_in(self, profile: Profile) -> None:
        self.picker.load_names()  # account names from the new sign-in

    def close(self) -> None:
        self.close_background()
        for child in (self.picker, self.card):
            child.close()
        super().close()


def panel(*, runtime: Runtime | None = None, binding: KernelBinding | None = None,
          production_profiles: tuple[str, ...] | list[str] = (),
          warn_before: float = 900) -> Panel:
    """Picker, sign-in button and identity card, wired together: choose, sign in, see who."""
    return Panel(runtime=runtime, binding=binding, production_profiles=production_profiles,
                 warn_before=warn_before)
