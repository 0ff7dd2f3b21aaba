"""login, logout and status: signing in and out, and the state of each sign-in."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError

from .base import CommandsBase, phrased


class SignInCommands(CommandsBase):
    def _login(self, args: argparse.Namespace) -> Any:
        import os

        from ...console.text import ConsoleListener
        from ...engine.access.identity import whoami
        from ...engine.config.read import Profile
        from ...engine.errors import SsoMagicError
        from ...engine.signin.flow_choice import choose
        from ...engine.signin.sign_in import SignIn
        from .. import render
        from ..code_panel import CodePanel
        from ..page_location import page_host

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
            from ...engine.config.read import SsoSession
            from ...engine.signin.authorizations import stopped_code, stopped_note

            if isinstance(view, CodePanel):
                view.clear()
            session = target if isinstance(target, SsoSession) else target.sso
            code = stopped_code(session, self.runtime)
            from ..exception_hook import SignInStopped

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
        from ...engine.config.read import SsoSession, load_config
        from ...engine.signin.sign_out import logout_all, logout_session
        from .. import render

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

        from .. import page_location

        with contextlib.suppress(Exception):  # no front end to ask: the device code then
            page_location.ask()

    def _with_choice(self, view: Any, choice: Any) -> Any:
        """The view, told first (once a flow starts) which way this sign-in goes and how to
        take the other way."""
        from ...engine.events import BrowserSignIn, CodeReady

        said: list[bool] = []
        other = ("%sso login --use-device-code" if choice.flow == "pkce"
                 else "%sso login --pkce")

        def listener(event: Any) -> None:
            if isinstance(event, CodeReady | BrowserSignIn) and not said:
                said.append(True)
                from .. import render

                text = f"{choice} The other way: {other}."
                self._out(render.message_html(text), text)
            view(event)

        return listener

    def _status(self, args: argparse.Namespace) -> None:
        from ...engine.config.read import load_config
        from ...engine.signin.session_status import session_status as status_of
        from ..render import STATUS_HEADER, status_rows, table_html, table_text

        config = load_config(self.runtime)
        if args.all or (args.profile is None and args.sso_session is None):
            sessions = config.sessions()
        else:
            from ...engine.access.resolve import sign_in_target
            from ...engine.config.read import SsoSession

            target = sign_in_target(args.profile, args.sso_session, self.runtime)
            sessions = [target if isinstance(target, SsoSession) else target.sso]
        if not sessions:
            print(phrased(config.nothing_to_sign_in_to))
            return
        rows = status_rows([status_of(s, self.runtime) for s in sessions])
        self._out(table_html("ssomagic-status", STATUS_HEADER, rows),
                  table_text(STATUS_HEADER, rows))
