"""%sso and %%sso: the sign-in engine in IPython, rendered as HTML and widgets in a notebook and
as text in a terminal.

`%sso login` blocks its own cell until signed in, so Run All keeps its order; a kernel
interrupt cancels it cleanly. Options are traitlets (`c.SsoMagics.production_profiles = [...]`
in ipython_config.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import line_cell_magic, magics_class
from IPython.core.magic_arguments import MagicArgumentParser
from traitlets import Bool, Enum, Int, List, Unicode

from ..commands import DESCRIPTION, EPILOG, NOTEBOOK, add_commands, docstring
from .subcommands.base import _as_usage_error, phrased, render_message
from .subcommands.profiles import ProfileCommands
from .subcommands.reach import ReachCommands
from .subcommands.setup import SetupCommands
from .subcommands.sign_in import SignInCommands

log = logging.getLogger("ssomagic")

if TYPE_CHECKING:  # %load_ext stays light: the engine loads on first use of %sso
    from ..engine.binding.kernel_binding import KernelBinding
    from ..engine.runtime import Runtime


_PARSER: MagicArgumentParser | None = None


class _Parser(MagicArgumentParser):
    """IPython's parser writes help as reST (a leading "::"); ours is read as text."""

    def format_help(self) -> str:
        text = super().format_help()
        return text[4:] if text.startswith("::\n\n") else text


def parser() -> MagicArgumentParser:
    """Built on first use from the command table: `%load_ext` should cost next to nothing."""
    global _PARSER
    if _PARSER is None:
        _PARSER = _Parser(prog="sso", description=DESCRIPTION, epilog=EPILOG, add_help=True)
        add_commands(_PARSER, NOTEBOOK)
    return _PARSER


@magics_class
class SsoMagics(SignInCommands, ProfileCommands, SetupCommands, ReachCommands):
    production_profiles = List(Unicode(), config=True,
                               help="Profiles to mark as production on identity cards.")
    expiry_warning = Int(900, config=True,
                         help="Seconds before the sign-in expires when the card starts warning.")
    display_mode = Enum(["auto", "html", "text"], "auto", config=True,
                        help="auto: widgets and HTML in a notebook, text in a terminal.")
    float_code = Bool(True, config=True,
                      help="While %sso login waits in a kernel, float its code over the page "
                           "(and in the tab title), so Run All never hides it.")
    sign_in_flow = Enum(("auto", "pkce", "device"), "auto", config=True,
                        help="How %sso login signs in: auto (one click in the browser where "
                             "the page and the kernel are on this machine, a device code "
                             "elsewhere), pkce, or device.")
    default_profile = Unicode(None, allow_none=True, config=True,
                              help="Profile for %sso login/whoami without one (else "
                                   "$AWS_PROFILE, else default).")

    def __init__(self, shell: Any = None, *, runtime: Runtime | None = None,
                 binding: KernelBinding | None = None, **kwargs: Any) -> None:
        super().__init__(shell, **kwargs)
        self._binding = binding
        self._runtime = runtime
        self._warned_about: str | None = None

    def notice_environment(self, *_: Any) -> None:
        """Before each cell: an AWS_PROFILE set outside ssomagic (`%env`, `os.environ`) would
        split boto3 (still the bound profile) from `!aws` (the new one). Follow it when it
        names a signed-in SSO profile, else say so, once per value. Never raises."""
        binding = self._binding
        if binding is None or binding.profile is None:
            return
        current = binding.environ.get("AWS_PROFILE")
        if current == binding.profile or current == self._warned_about:
            return
        try:
            from ..engine.config.read import load_config
            from ..engine.signin.tokens import is_signed_in

            profile = load_config(self.runtime).find(current)
            if profile is not None and profile.has_role and is_signed_in(profile, self.runtime):
                for warning in binding.bind(profile):
                    print(f"Warning: {warning}")
                print(f"ssomagic: AWS_PROFILE was set to {current}; boto3 now uses it too.")
                return
            self._warned_about = current
            now = f"set to {current}" if current else "removed"
            print(f"ssomagic: AWS_PROFILE was {now} outside ssomagic, but boto3 still uses "
                  f"{binding.profile}. Run %sso use {current or binding.profile} so both "
                  "agree.")
        except Exception:
            log.warning("Could not follow a change of AWS_PROFILE.", exc_info=True)

    @line_cell_magic
    def sso(self, line: str, cell: str | None = None) -> Any:
        if cell is not None:
            return self._cell(line, cell)
        if not line.strip():  # what everything looks like now, as %env and %who do
            line = "picker" if self.rich else "status"
        try:
            args = parser().parse_argstring(line)
        except SystemExit:  # --help printed the help
            return None
        from ..engine.errors import NothingToSignInError

        if getattr(self.shell, "kernel", None) is not None:
            self._ask_page()
        try:
            return getattr(self, f"_{args.command}")(args)
        except NothingToSignInError as exc:  # a fact, not a failure: Run All goes on
            self._out(render_message(phrased(str(exc))), phrased(str(exc)))
            return None
        except Exception as exc:
            _as_usage_error(exc)
            raise

    sso.__doc__ = docstring()

    def _cell(self, line: str, cell: str) -> None:
        spec = line.strip()
        if not spec:
            raise UsageError("%%sso needs a PROFILE: %%sso prod")
        from ..engine.config.read import Profile

        try:
            profile = self._any_profile(spec)
            if isinstance(profile, Profile):
                profile.require_role("role to run a cell as")
            with self.binding.temporarily(profile) as warnings:
                for warning in warnings:
                    print(f"Warning: {warning}")
                assert self.shell is not None  # a magic always runs inside a shell
                result = self.shell.run_cell(cell, store_history=False)
        except Exception as exc:
            _as_usage_error(exc)
            raise
        if not result.success:
            raise UsageError(f"The cell failed under profile {profile.name}; the previous "
                             "binding is restored.")
