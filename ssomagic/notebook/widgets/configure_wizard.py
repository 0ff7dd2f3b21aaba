"""ConfigureWizard: from a start URL to written profiles, by clicking (what `%sso configure`
shows with no flags).

Start URL and region, a sign-in (the device flow, as %sso login), a searchable list of the
accounts and roles to add as profiles, their region and output, a preview of exactly the change
to the config, and a Write button. Nothing reaches the config before Write: the sign-in writes
only the token cache, as `aws sso login` does, and closing the wizard writes nothing.
"""

from __future__ import annotations

import ipywidgets as widgets

from ...engine.access.accounts import Access, accounts
from ...engine.binding.kernel_binding import KernelBinding, kernel_binding
from ...engine.config.configure import plan, profile_values, write
from ...engine.config.names import profile_name
from ...engine.config.read import SsoSession
from ...engine.runtime import Runtime
from ...engine.signin.sign_in import SignInResult
from ..render import message_html, pre_html
from .background import BackgroundWork
from .checklist import Checklist
from .login_button import LoginButton


class ConfigureWizard(BackgroundWork, widgets.VBox):
    def __init__(self, *, runtime: Runtime | None = None, binding: KernelBinding | None = None,
                 start_url: str = "", region: str = "") -> None:
        self._init_background()
        self.binding = binding or kernel_binding()
        self.runtime = runtime or self.binding.runtime
        self.session: SsoSession | None = None
        self.access: list[Access] = []
        known = self._configured() if not start_url else None
        if known is not None:  # a session is configured already: start from it
            start_url, region = known.start_url, region or known.region
        self.start_url = widgets.Text(value=start_url, description="Start URL",
                                      placeholder="e.g. https://d-1234567890.awsapps.com/start "
                                                  "(from your administrator)",
                                      layout=widgets.Layout(width="42em", max_width="100%"))
        self.start_url.add_class("ssomagic-wizard-url")
        self.region = widgets.Text(value=region, description="Region",
                                   placeholder="from the start URL when it says")
        self.region.add_class("ssomagic-wizard-region")
        self.session_name = widgets.Text(value=known.name if known else "",
                                         description="Session",
                                         placeholder="its name in ~/.aws/config (from the URL)")
        self.session_name.add_class("ssomagic-wizard-session")
        self.login = LoginButton(runtime=self.runtime, binding=self.binding,
                                 target=self._planned)
        self.login.add_class("ssomagic-wizard-login")
        self.login.on_result.append(self._signed_in)
        self.filter = widgets.Text(placeholder="Filter: account or role", disabled=True)
        self.filter.add_class("ssomagic-wizard-filter")
        self.choices = Checklist(disabled=True, layout=widgets.Layout(max_width="100%"))
        self.choices.add_class("ssomagic-wizard-choices")
        self.profile_region = widgets.Text(description="Profiles' region", disabled=True,
                                           style={"description_width": "initial"})
        self.output = widgets.Dropdown(description="Output", options=["json", "yaml", "text",
                                                                      "table"], value="json")
        self.preview = widgets.HTML()
        self.preview.add_class("ssomagic-wizard-preview")
        self.write_button = widgets.Button(description="Write", icon="save",
                                           button_style="success", disabled=True)
        self.write_button.add_class("ssomagic-wizard-write")
        self.message = widgets.HTML()
        self.message.add_class("ssomagic-wizard-message")
        self.row = widgets.HBox([self.profile_region, self.output])
        super().__init__([self.start_url, self.region, self.session_name, self.login,
                          self.filter, self.choices, self.row, self.preview, self.write_button,
                          self.message])
        self.add_class("ssomagic-wizard")
        self.filter.observe(lambda _: self._show_choices(), names="value")
        for source in (self.choices, self.profile_region, self.output):
            source.observe(lambda _: self._preview(), names="value")
        self.write_button.on_click(lambda _: self.in_background(self.write, "write the config"))

    def show_error(self, text: str) -> None:
        self.message.value = message_html(text, "ssomagic-wizard-error")

    def fallback(self) -> tuple[str, str]:
        """What the wizard is, for a saved notebook (where no kernel runs it)."""
        url = self.start_url.value or "your start URL"
        text = (f"The configure wizard: start URL {url}, sign in, tick the roles you want as "
                "profiles, check the preview, then Write. Run this cell with a live kernel to "
                "use it; `%sso configure --start-url URL` does the first step as one line.")
        return text, message_html(text, "ssomagic-fallback")

    # ---- steps ---------------------------------------------------------------------------

    def _planned(self) -> SsoSession:
        """Checked start URL and region (no write): what the sign-in button signs in to."""
        session, _ = plan(self.start_url.value, region=self.region.value or None,
                          session=self.session_name.value or None, runtime=self.runtime)
        with self.lock:
            self.session = session
        self.region.value = session.region
        self.session_name.value = session.name or ""
        return session

    def _configured(self) -> SsoSession | None:
        """The first sso-session of the config, if any (a broken config: none)."""
        from ...engine.config.read import load_config
        from ...engine.errors import SsoMagicError

        try:
            sessions = [s for s in load_config(self.runtime).sessions() if s.name]
        except SsoMagicError:
            return None
        return sessions[0] if sessions else None

    def _signed_in(self, result: SignInResult) -> None:
        found = accounts(result.session, self.runtime)
        with self.lock:
            self.access = found
        self.profile_region.value = self.profile_region.value or result.session.region
        for control in (self.filter, self.choices, self.profile_region):
            control.disabled = False
        self._show_choices()
        self.message.value = message_html(
            f"Signed in. Tick the accounts and roles to add as profiles ({len(found)} "
            "found), then Write.")

    def _show_choices(self) -> None:
        words = self.filter.value.lower().split()
        with self.lock:
            shown = [(f"{a.account_name} ({a.account_id}) / {a.role_name}"
                      + (f"   [{a.profile}]" if a.profile else ""), i)
                     for i, a in enumerate(self.access)
                     if all(w in f"{a.account_name} {a.account_id} {a.role_name}".lower()
                            for w in words)]
        chosen = [i for i in self.choices.value if i in {v for _, v in shown}]
        self.choices.options = shown
        self.choices.value = tuple(chosen)
        self._preview()

    def profiles(self) -> dict[str, dict[str, str]]:
        """The chosen profiles, named as `aws configure sso` suggests (<role>-<account>)."""
        with self.lock:
            session, picked = self.session, [self.access[i] for i in self.choices.value]
        if session is None:
            return {}
        return {a.profile or profile_name(a.role_name, a.account_id): profile_values(
            session, a.account_id, a.role_name, region=self.profile_region.value or None,
            output=self.output.value) for a in picked}

    def _preview(self) -> None:
        if self.session is None:
            return
        change = write(self.session, self.profiles(), runtime=self.runtime, dry_run=True)
        self.preview.value = pre_html(change.diff() or "(no change)")
        self.write_button.disabled = not change.changed

    def write(self) -> None:
        if self.session is None:
            return
        profiles = self.profiles()
        change = write(self.session, profiles, runtime=self.runtime)
        self.preview.value = ""
        self.write_button.disabled = True
        added = [n for n in profiles if f"[profile {n}]" in change.diff()
                 or f"[{n}]" in change.diff()]
        if not change.changed:
            text = f"Nothing to write: {change.path} already holds all of it."
        else:
            text = (f"Wrote {change.path}: " + (", ".join(f"[profile {n}]" for n in added)
                                                 or "the sso-session's settings")
                    + (f" and [sso-session {self.session.name}]" if f"[sso-session "
                       f"{self.session.name}]" in change.diff() else "") + ".")
        self.message.value = message_html(text)

    def close(self) -> None:
        """Closing writes nothing; a sign-in still running is cancelled."""
        self.close_background()
        for child in (self.start_url, self.region, self.session_name, self.login, self.filter,
                      self.choices,
                      self.profile_region, self.output, self.preview, self.write_button,
                      self.message, self.row):
            child.close()  # the box too: an open one would point at closed children
        super().close()
