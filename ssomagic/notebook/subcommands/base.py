"""What every theme of %sso commands shares: the binding, the runtime, the display (HTML in
a notebook, text in a terminal) and the profile a command is about."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics

if TYPE_CHECKING:
    from ...engine.binding.kernel_binding import KernelBinding
    from ...engine.config.read import PlainProfile, Profile, SsoSession
    from ...engine.runtime import Runtime


def render_message(text: str) -> str:
    from ..render import message_html

    return message_html(text)


def _as_usage_error(exc: Exception) -> None:
    """Our errors are for the user: one line, no traceback (IPython shows UsageError so)."""
    from ...engine.errors import SsoMagicError

    if isinstance(exc, SsoMagicError):
        raise UsageError(phrased(str(exc))) from None


def phrased(text: str) -> str:
    """An engine message with its advice in a notebook's words (%sso login dev)."""
    from ...commands import NOTEBOOK, phrase

    return phrase(text, NOTEBOOK)



class CommandsBase(Magics):
    """The state and helpers of SsoMagics that every theme uses; the options themselves are
    SsoMagics' traitlets (so `c.SsoMagics.x` configures them), typed here for the themes."""

    if TYPE_CHECKING:
        production_profiles: list[str]
        expiry_warning: int
        display_mode: str
        float_code: bool
        sign_in_flow: str
        default_profile: str | None
        _binding: KernelBinding | None
        _runtime: Runtime | None

    @property
    def binding(self) -> KernelBinding:
        if self._binding is None:
            from ...engine.binding.kernel_binding import kernel_binding

            self._binding = kernel_binding()
        return self._binding

    @property
    def runtime(self) -> Runtime:
        return self._runtime or self.binding.runtime

    @property
    def rich(self) -> bool:
        if self.display_mode != "auto":
            return self.display_mode == "html"
        return getattr(self.shell, "kernel", None) is not None

    def _out(self, html: str, text: str) -> None:
        """HTML in a notebook, with its text beside it: nbconvert, GitHub and a restarted
        JupyterLab show the text/plain of a saved output, never `<...HTML object>`."""
        if self.rich:
            from IPython.display import display

            display({"text/html": html, "text/plain": text}, raw=True)
        else:
            print(text)

    def _any_profile(self, spec: str | None) -> Profile | PlainProfile:
        """A profile to bind or ask about: SSO, chained, or plain (static keys, a
        credential_process...)."""
        from ...engine.access.resolve import resolve_any

        if spec is None and self.default_profile:
            spec = self.default_profile
        if spec is not None:
            return resolve_any(spec, self.runtime)
        return self._profile(None)

    def _profile(self, spec: str | None) -> Profile:
        from ...engine.access.resolve import resolve_profile

        if spec is None and self.default_profile:
            spec = self.default_profile
        if spec is not None:
            return resolve_profile(spec, self.runtime)
        from ...engine.config.read import load_config
        from ...engine.errors import NotAnSsoProfileError, ProfileNotFoundError

        try:
            return resolve_profile(None, self.runtime)
        except (ProfileNotFoundError, NotAnSsoProfileError) as exc:
            # Nothing named and nothing bound: the fallback ($AWS_PROFILE, then default) is
            # rarely what the user meant, so say what to type instead of what is wrong with it.
            usable = [p.name for p in load_config(self.runtime).sso_profiles() if p.has_role]
            choices = f" SSO profiles here: {', '.join(usable)}." if usable else ""
            raise UsageError(
                f"No profile is bound to this kernel, and {exc.message[0].lower()}"
                f"{exc.message[1:]} Name one: %sso login PROFILE or %sso use PROFILE."
                f"{choices}") from None

    def _warn(self, warning: str) -> None:
        from .. import render

        self._out(render.warning_html(warning), f"Warning: {warning}")

    def _target(self, args: argparse.Namespace) -> Profile | SsoSession:
        """PROFILE, or --sso-session NAME alone (as `aws sso login --sso-session NAME`)."""
        profile = args.profile or getattr(args, "profile_option", None)
        if getattr(args, "sso_session", None) is None:
            return self._profile(profile)
        from ...engine.access.resolve import sign_in_target

        return sign_in_target(profile, args.sso_session, self.runtime)

    def _card(self, identity: Any) -> Any:
        """A live identity card widget (notebook) or the same facts as text (terminal)."""
        if not self.rich:
            from ...engine.config.read import load_config
            from ..render import identity_text

            profile = load_config(self.runtime).profile(identity.profile)
            return identity_text(identity, self.runtime.now(),
                                 production=profile.is_production(self.production_profiles))
        from ..widgets import IdentityCard

        card = IdentityCard(self.binding, runtime=self.runtime,
                            production_profiles=self.production_profiles,
                            warn_before=self.expiry_warning, follow_binding=False)
        card.show(identity)
        return card
