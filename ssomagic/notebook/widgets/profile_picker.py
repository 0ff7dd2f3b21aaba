"""ProfilePicker: profiles grouped by sso-session and account, with names; type to filter."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import ipywidgets as widgets
from traitlets import Unicode

from ...engine.access.identity import known_account_names
from ...engine.binding.kernel_binding import KernelBinding, kernel_binding
from ...engine.config.read import Profile, load_config
from ...engine.runtime import Runtime
from ...engine.signin.tokens import is_signed_in
from .background import BackgroundWork


def _label(profile: Profile, names: dict[str, str],
           grants: dict[str, set[tuple[str, str]]] | None = None) -> str:
    account = names.get(profile.account_id or "", "")
    account_text = f"{account} ({profile.account_id})" if account else (profile.account_id or "-")
    session = profile.sso.label
    granted = (grants or {}).get(profile.sso.cache_key)
    mark = ("   (not granted to you)" if granted is not None and profile.role_arn is None
            and (profile.account_id, profile.role_name) not in granted else "")
    return f"{session} / {account_text} / {profile.role_name or '-'}   [{profile.name}]{mark}"


class ProfilePicker(BackgroundWork, widgets.VBox):
    """Profiles grouped by sso-session and account, with account names; type to filter."""

    value = Unicode(None, allow_none=True, help="the chosen profile's name")

    def __init__(self, *, runtime: Runtime | None = None, binding: KernelBinding | None = None,
                 bind_on_choose: bool = True, **kwargs: Any) -> None:
        self._init_background()
        self.runtime = runtime or Runtime()
        self.binding = binding or kernel_binding()
        self.bind_on_choose = bind_on_choose
        self.filter = widgets.Text(placeholder="Filter: account, role or profile",
                                   continuous_update=True,
                                   layout=widgets.Layout(width="100%", max_width="42em"))
        self.filter.add_class("ssomagic-filter")
        self.select = widgets.Select(options=[], rows=8,
                                     layout=widgets.Layout(width="100%", max_width="42em"))
        self.select.add_class("ssomagic-picker-select")
        self.message = widgets.Label()
        self.message.add_class("ssomagic-picker-message")
        super().__init__(children=[self.filter, self.select, self.message], **kwargs)
        self.add_class("ssomagic-picker")
        self.names: dict[str, str] = {}
        self.grants: dict[str, set[tuple[str, str]]] = {}
        self._choices: list[tuple[str, str]] = []
        self.reload()
        self.filter.observe(lambda _: self.refilter(), names="value")
        self.select.observe(self._chosen, names="value")
        self.loader = self.load_names()

    def show_error(self, text: str) -> None:
        self.message.value = text

    def load_names(self) -> Future[object]:
        """Fetch account names from every signed-in session, in the background."""
        self.loader = self.in_background(self._load_names, "list account names")
        return self.loader

    def reload(self) -> None:
        with self.lock:
            self._reload()

    def _reload(self) -> None:
        config = load_config(self.runtime)
        profiles = [p for p in config.sso_profiles() if p.has_role]
        # Named sso-sessions first, then legacy start URLs; within each, by account, role.
        profiles.sort(key=lambda p: (p.sso.name is None, p.sso.label,
                                     self.names.get(p.account_id or "", p.account_id or ""),
                                     p.role_name or "", p.name))
        self._choices = [(_label(p, self.names, self.grants), p.name) for p in profiles] + [
            (f"{p.name} · {p.kind}", p.name) for p in config.plain_profiles()]
        self._apply_filter()

    def refilter(self) -> None:
        """The filter changed (the kernel's thread): under the lock, as a reload is."""
        with self.lock:
            self._apply_filter()

    def _apply_filter(self) -> None:
        words = self.filter.value.lower().split()
        shown = [c for c in self._choices if all(w in c[0].lower() for w in words)]
        current = self.select.value or self.binding.profile  # the bound one, marked at first
        with self._own_change():
            self.select.options = shown
            self.select.value = current if current in [n for _, n in shown] else None

    def _load_names(self) -> None:
        from ...engine.access.accounts import known_grants

        sessions = load_config(self.runtime).sessions()
        names = known_account_names(self.runtime, sessions)
        grants = known_grants(self.runtime, sessions)
        with self.lock:
            self.names.update(names)
            self.grants = grants
            self._reload()

    def _chosen(self, change: dict[str, Any]) -> None:
        if self._is_own_change() or change["new"] is None:
            return
        self.value = change["new"]
        if self.bind_on_choose:
            self.in_background(lambda: self._bind_if_signed_in(change["new"]), "bind the profile")

    def _bind_if_signed_in(self, name: str) -> None:
        config = load_config(self.runtime)
        plain = config.plain(name)
        if plain is not None:  # nothing to sign in to: botocore finds its credentials
            self.binding.bind(plain)
            return
        profile = config.profile(name)
        if is_signed_in(profile, self.runtime):
            self.binding.bind(profile)

    def close(self) -> None:
        self.close_background()
        for child in (self.filter, self.select, self.message):
            child.close()
        super().close()
