"""panel(): picker, sign-in button and identity card wired together (what %sso picker shows)."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from ..binding import KernelBinding, kernel_binding
from ..config import Profile, load_config
from ..runtime import Runtime
from ..tokens import is_signed_in
from .background import background
from .identity_card import IdentityCard
from .login_button import LoginButton
from .profile_picker import ProfilePicker


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
        background(lambda: offer_sign_in(change["new"]), "ssomagic-check")

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
