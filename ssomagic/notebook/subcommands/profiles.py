"""use, whoami, profiles and picker: which profile this kernel is bound to, and who it is."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError

from .base import CommandsBase, phrased


class ProfileCommands(CommandsBase):
    def _use(self, args: argparse.Namespace) -> Any:
        from ...engine.binding.use import use
        from ...engine.config.read import PlainProfile, Profile
        from ...engine.timing import format_duration
        from .. import render

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
        from ...engine.access.identity import whoami

        spec = args.profile or self.binding.profile
        identity = whoami(self._any_profile(spec), self.runtime)
        card = self._card(identity)
        if self.rich:
            from IPython.display import display

            display(card)
        else:
            print(card)
        return None

    def _profiles(self, args: argparse.Namespace) -> None:
        from ...engine.access.identity import known_account_names
        from ...engine.config.read import load_config
        from ..render import PROFILE_HEADER, profile_rows, table_html, table_text

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

        from ...engine.timing import FIRST_CARD_WAIT
        from ..widgets import panel

        shown = panel(runtime=self.runtime, binding=self.binding,
                      production_profiles=self.production_profiles,
                      warn_before=self.expiry_warning)
        handle = display(shown, display_id=True)
        shown.settle(FIRST_CARD_WAIT)
        shown.attach(handle)
