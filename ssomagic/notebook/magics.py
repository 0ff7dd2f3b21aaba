"""%sso and %%sso: the sign-in engine in IPython, rendered as HTML and widgets in a notebook and
as text in a terminal.

`%sso login` blocks its own cell until signed in, so Run All keeps its order; a kernel
interrupt cancels it cleanly. Options are traitlets (`c.SsoMagics.production_profiles = [...]`
in ipython_config.py).
"""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import MagicArgumentParser
from traitlets import Bool, Enum, Int, List, Unicode

from ..commands import build_parser, docstring

log = logging.getLogger("ssomagic")

if TYPE_CHECKING:  # %load_ext stays light: the engine loads on first use of %sso
    from ..engine.binding.kernel_binding import KernelBinding
    from ..engine.config.read import PlainProfile, Profile, SsoSession
    from ..engine.runtime import Runtime


def render_message(text: str) -> str:
    from .render import message_html

    return message_html(text)


def _as_usage_error(exc: Exception) -> None:
    """Our errors are for the user: one line, no traceback (IPython shows UsageError so)."""
    from ..engine.errors import SsoMagicError

    if isinstance(exc, SsoMagicError):
        raise UsageError(phrased(str(exc))) from None


def phrased(text: str) -> str:
    """An engine message with its advice in a notebook's words (%sso login dev)."""
    from ..commands import NOTEBOOK, phrase

    return phrase(text, NOTEBOOK)


_PARSER: MagicArgumentParser | None = None


def parser() -> MagicArgumentParser:
    """Built on first use from the command table: `%load_ext` should cost next to nothing."""
    global _PARSER
    if _PARSER is None:
        _PARSER = build_parser()
    return _PARSER


@magics_class
class SsoMagics(Magics):
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

    @property
    def binding(self) -> KernelBinding:
        if self._binding is None:
            from ..engine.binding.kernel_binding import kernel_binding

            self._binding = kernel_binding()
        return self._binding

    @property
    def runtime(self) -> Runtime:
        return self._runtime or self.binding.runtime

    # ---- plumbing --------------------------------------------------------------------------

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
        from ..engine.access.resolve import resolve_any

        if spec is None and self.default_profile:
            spec = self.default_profile
        if spec is not None:
            return resolve_any(spec, self.runtime)
        return self._profile(None)

    def _profile(self, spec: str | None) -> Profile:
        from ..engine.access.resolve import resolve_profile

        if spec is None and self.default_profile:
            spec = self.default_profile
        if spec is not None:
            return resolve_profile(spec, self.runtime)
        from ..engine.config.read import load_config
        from ..engine.errors import NotAnSsoProfileError, ProfileNotFoundError

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
        from . import render

        self._out(render.warning_html(warning), f"Warning: {warning}")

    def _target(self, args: argparse.Namespace) -> Profile | SsoSession:
        """PROFILE, or --sso-session NAME alone (as `aws sso login --sso-session NAME`)."""
        profile = args.profile or getattr(args, "profile_option", None)
        if getattr(args, "sso_session", None) is None:
            return self._profile(profile)
        from ..engine.access.resolve import sign_in_target

        return sign_in_target(profile, args.sso_session, self.runtime)

    def _card(self, identity: Any) -> Any:
        """A live identity card widget (notebook) or the same facts as text (terminal)."""
        if not self.rich:
            from ..engine.config.read import load_config
            from .render import identity_text

            profile = load_config(self.runtime).profile(identity.profile)
            return identity_text(identity, self.runtime.now(),
                                 production=profile.is_production(self.production_profiles))
        from .widgets import IdentityCard

        card = IdentityCard(self.binding, runtime=self.runtime,
                            production_profiles=self.production_profiles,
                            warn_before=self.expiry_warning, follow_binding=False)
        card.show(identity)
        return card

    # ---- AWS_PROFILE changed behind ssomagic's back -------------------------------------------

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

    # ---- %sso and %%sso --------------------------------------------------------------------

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

    # ---- subcommands -----------------------------------------------------------------------

    def _login(self, args: argparse.Namespace) -> Any:
        import os

        from ..console.text import ConsoleListener
        from ..engine.access.identity import whoami
        from ..engine.config.read import Profile
        from ..engine.errors import SsoMagicError
        from ..engine.signin.flow_choice import choose
        from ..engine.signin.sign_in import SignIn
        from . import render
        from .code_panel import CodePanel
        from .page_location import page_host

        target = self._target(args)
        in_kernel = getattr(self.shell, "kernel", None) is not None
        view: Any = (CodePanel(self.runtime, beacon=self.float_code and in_kernel) if self.rich
                     else ConsoleListener())
        wanted = ("device" if args.use_device_code else "pkce" if args.pkce
                  else self.sign_in_flow)
        session = target.sso if isinstance(target, Profile) else target
        choice = choose(wanted, session, os.environ, page_host=page_host(),
                        console=not in_kernel)
        try:
            result = SignIn(target, runtime=self.runtime, listener=self._with_choice(view, choice),
                            force=args.force, binding=self.binding, flow=choice.flow,
                            page=render.callback_page_html).run()
        except KeyboardInterrupt:
            from ..engine.config.read import SsoSession
            from ..engine.signin.authorizations import stopped_code, stopped_note

            if isinstance(view, CodePanel):
                view.clear()
            session = target if isinstance(target, SsoSession) else target.sso
            code = stopped_code(session, self.runtime)
            from .exception_hook import SignInStopped

            raise SignInStopped("Sign-in stopped. " + (
                stopped_note(code, self.runtime, "%sso login")
                if code else "Run %sso login again when you are ready.")) from None
        for warning in result.warnings:
            self._warn(warning)
        if not result.bound or result.profile is None:
            # Time left, and what to do next: an sso-session alone has no role to bind yet.
            text = (f"{result.status}. Next: choose a role with %sso use ACCOUNT/ROLE "
                    f"(%sso accounts lists them), or add a profile for each with "
                    f"%sso populate {result.session.label}.")
            self._out(render.message_html(text), text)
            return None
        profile = result.profile
        try:
            identity = whoami(profile, self.runtime)
        except SsoMagicError as exc:
            # The sign-in stands (the token is cached, the kernel bound); say so, so nobody
            # signs in again to fix what is a role or service problem.
            if isinstance(view, CodePanel):
                view.clear()
            raise UsageError(f"Signed in to {profile.sso.label} and bound {profile.name}, but "
                             f"could not show who you are: {exc}") from None
        card = self._card(identity)
        if isinstance(view, CodePanel):
            view.replace_with(card)
        else:
            print(card)
        return None

    def _logout(self, args: argparse.Namespace) -> None:
        from ..engine.config.read import SsoSession, load_config
        from ..engine.signin.sign_out import logout_all, logout_session
        from . import render

        config = load_config(self.runtime)
        if args.all or (args.profile is None and args.sso_session is None):
            report = logout_all(self.runtime, config)
            self.binding.unbind()
        else:
            target = self._target(args)
            session = target if isinstance(target, SsoSession) else target.sso
            report = logout_session(session, self.runtime, config,
                                    None if isinstance(target, SsoSession) else target.name)
            bound = config.find(self.binding.profile)
            if bound is not None and bound.sso.cache_key == session.cache_key:
                self.binding.unbind()
        self._out(render.message_html(str(report)), str(report))

    def _ask_page(self) -> None:
        """Ask the page where it is served from, for the sign-in that may follow."""
        import contextlib

        from . import page_location

        with contextlib.suppress(Exception):  # no front end to ask: the device code then
            page_location.ask()

    def _with_choice(self, view: Any, choice: Any) -> Any:
        """The view, told first (once a flow starts) which way this sign-in goes and how to
        take the other way."""
        from ..engine.events import BrowserSignIn, CodeReady

        said: list[bool] = []
        other = ("%sso login --use-device-code" if choice.flow == "pkce"
                 else "%sso login --pkce")

        def listener(event: Any) -> None:
            if isinstance(event, CodeReady | BrowserSignIn) and not said:
                said.append(True)
                from . import render

                text = f"{choice} The other way: {other}."
                self._out(render.message_html(text), text)
            view(event)

        return listener

    def _use(self, args: argparse.Namespace) -> Any:
        from ..engine.binding.use import use
        from ..engine.config.read import PlainProfile, Profile
        from ..engine.timing import format_duration
        from . import render

        profile = self._any_profile(args.profile)
        if isinstance(profile, Profile):
            profile.require_role("role to bind")
        used = use(profile, self.binding)
        for warning in used.warnings:
            self._warn(warning)
        if isinstance(profile, PlainProfile):
            facts = (f"credentials from {profile.how}, region {profile.region or '-'}; "
                     "nothing to sign in to.")
        else:
            assert used.token is not None  # an SSO profile is only bound when signed in
            left = format_duration(used.token.remaining(self.runtime.now()).total_seconds())
            via = f" (assumed via {' -> '.join(profile.chain[1:])})" if profile.source else ""
            facts = (f"account {profile.account_id}, role {profile.role_name}{via}, region "
                     f"{profile.region or '-'}; signed in for {left}.")
        production = profile.is_production(self.production_profiles)
        self._out(render.bound_html(profile.name, facts, production=production),
                  f"Bound to {profile.name}{' [PRODUCTION]' if production else ''}: {facts}")
        return None

    def _whoami(self, args: argparse.Namespace) -> Any:
        from ..engine.access.identity import whoami

        spec = args.profile or self.binding.profile
        identity = whoami(self._any_profile(spec), self.runtime)
        card = self._card(identity)
        if self.rich:
            from IPython.display import display

            display(card)
        else:
            print(card)
        return None

    def _status(self, args: argparse.Namespace) -> None:
        from ..engine.config.read import load_config
        from ..engine.signin.session_status import session_status as status_of
        from .render import STATUS_HEADER, status_rows, table_html, table_text

        config = load_config(self.runtime)
        if args.all or (args.profile is None and args.sso_session is None):
            sessions = config.sessions()
        else:
            from ..engine.access.resolve import sign_in_target
            from ..engine.config.read import SsoSession

            target = sign_in_target(args.profile, args.sso_session, self.runtime)
            sessions = [target if isinstance(target, SsoSession) else target.sso]
        if not sessions:
            print(phrased(config.nothing_to_sign_in_to))
            return
        rows = status_rows([status_of(s, self.runtime) for s in sessions])
        self._out(table_html("ssomagic-status", STATUS_HEADER, rows),
                  table_text(STATUS_HEADER, rows))

    def _profiles(self, args: argparse.Namespace) -> None:
        from ..engine.access.identity import known_account_names
        from ..engine.config.read import load_config
        from .render import PROFILE_HEADER, profile_rows, table_html, table_text

        config = load_config(self.runtime)
        if not config.sso_profiles() and not config.plain_profiles():
            print(phrased(config.nothing_to_sign_in_to))
            return
        names = known_account_names(self.runtime, config.sessions())
        rows = profile_rows(config.sso_profiles(), names, config.plain_profiles())
        self._out(table_html("ssomagic-profiles", PROFILE_HEADER, rows),
                  table_text(PROFILE_HEADER, rows))

    def _picker(self, args: argparse.Namespace) -> None:
        if not self.rich:
            raise UsageError("The picker needs a notebook; here, use %sso profiles and "
                             "%sso use PROFILE.")
        from IPython.display import display

        from ..engine.timing import FIRST_CARD_WAIT
        from .widgets import panel

        shown = panel(runtime=self.runtime, binding=self.binding,
                      production_profiles=self.production_profiles,
                      warn_before=self.expiry_warning)
        handle = display(shown, display_id=True)
        shown.settle(FIRST_CARD_WAIT)
        shown.attach(handle)

    def _configure(self, args: argparse.Namespace) -> Any:
        from . import render

        if args.start_url is None:
            if not self.rich:
                raise UsageError("%sso configure needs --start-url URL here (the wizard needs "
                                 "a notebook).")
            from IPython.display import display

            from .widgets import ConfigureWizard

            display(ConfigureWizard(runtime=self.runtime, binding=self.binding))
            return None
        from ..engine.config.configure import configure

        written = configure(args.start_url, region=args.region, session=args.session,
                            scopes=args.scopes, runtime=self.runtime)
        text = f"{written.summary()} {written.next('%sso login')}"
        self._out(render.message_html(text) + render.pre_html("\n".join(written.lines())),
                  text)
        return None

    def _accounts(self, args: argparse.Namespace) -> None:
        from ..engine.access.accounts import accounts
        from ..engine.config.read import load_config
        from . import render

        config = load_config(self.runtime)
        found = accounts(config.choose_session(args.sso_session, self.runtime), self.runtime)
        rows = render.account_rows(found)
        self._out(render.table_html("ssomagic-accounts", render.ACCOUNTS_HEADER, rows),
                  render.table_text(render.ACCOUNTS_HEADER, rows))

    def _populate(self, args: argparse.Namespace) -> None:
        from ..engine.config.populate import DEFAULT_TEMPLATE, populate
        from . import render
        from .progress import ProgressBar

        with ProgressBar() as bar:
            report = populate(args.sso_session, template=args.template or DEFAULT_TEMPLATE,
                              region=args.region, output=args.output, accounts=args.account,
                              roles=args.role, dry_run=args.dry_run, prune=args.prune,
                              runtime=self.runtime, progress=bar.show if self.rich else None,
                              refresh=args.refresh)
        diff = report.edit.diff() if args.dry_run and report.edit is not None else ""
        self._out(render.message_html(str(report)) + (render.pre_html(diff) if diff else ""),
                  f"{diff}{report}")

    def _console(self, args: argparse.Namespace) -> None:
        """The portal's shortcut link: no credential in it, so it may stand in a notebook. A
        federated link is one for 15 minutes: it never goes into an output."""
        from ..api import console_link
        from . import render

        profile = args.profile or self.binding.profile
        if args.federated:
            raise UsageError("A federated console link signs the browser in by itself, so it "
                             "is a credential for 15 minutes and never goes into a notebook: "
                             f"run ssomagic console --federated {profile or 'PROFILE'} in a "
                             "terminal, or use the portal link (%sso console).")
        link = console_link(profile, destination=args.destination, runtime=self.runtime)
        self._out(render.link_html(link, "Open the AWS console as "
                                   f"{profile or 'the profile'} \u2197"),
                  f"Open the AWS console: {link}")

    def _serve(self, args: argparse.Namespace) -> None:
        """A credentials endpoint for this kernel's subprocesses and containers: its two
        variables set in os.environ (the token's value is never shown), following %sso use."""
        import os

        from ..engine.access.credentials_endpoint import CredentialsEndpoint
        from . import render

        endpoint: CredentialsEndpoint | None = getattr(self, "_endpoint", None)
        if args.stop:
            if endpoint is not None:
                endpoint.stop()
                self.binding.unobserve(self._serve_follows, names="profile")
                for name in endpoint.environment():
                    os.environ.pop(name, None)
                self._endpoint = None
            text = "Stopped serving credentials."
            self._out(render.message_html(text), text)
            return
        profile = self._any_profile(args.profile or self.binding.profile)
        if endpoint is None:
            endpoint = self._endpoint = CredentialsEndpoint(profile, self.runtime).start()
            self.binding.observe(self._serve_follows, names="profile")
        else:
            endpoint.follow(profile)
        os.environ.update(endpoint.environment())
        text = (f"Serving {profile.name}'s credentials at {endpoint.url}, refreshed while the "
                "sign-in lasts; it follows %sso use. This kernel's subprocesses get them "
                "(AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN are "
                "set); a container too: docker run --network host -e "
                "AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN IMAGE. "
                "Stop with %sso serve --stop.")
        self._out(render.message_html(text), text)

    def _serve_follows(self, change: dict[str, Any]) -> None:
        endpoint = getattr(self, "_endpoint", None)
        if endpoint is None or not change["new"]:
            return
        from ..engine.config.read import load_config

        found = load_config(self.runtime).find_any(change["new"])
        if found is not None:
            endpoint.follow(found)

    def _env(self, args: argparse.Namespace) -> None:
        from ..engine.files.token_cache import format_time
        from . import render

        export = self.binding.env_export
        if args.off:
            export.stop()
            text = "Removed the exported credentials from the environment."
            self._out(render.message_html(text), text)
            return
        if self.binding.profile is None:
            raise UsageError("No profile is bound: run %sso use PROFILE (or %sso login) first.")
        expires = export.start()
        until = f"They expire at {format_time(expires)} and are" if expires else "They are"
        text = (f"Exported temporary credentials of {self.binding.profile} as "
                f"AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. {until} "
                f"renewed while {self.binding.profile} stays bound; binding another profile "
                "removes them.")
        self._out(render.message_html(text), text)
