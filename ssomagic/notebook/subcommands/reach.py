"""console, serve and env: the sign-in for what runs outside this kernel's boto3."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError

from .base import CommandsBase


class ReachCommands(CommandsBase):
    def _console(self, args: argparse.Namespace) -> None:
        """The portal's shortcut link: no credential in it, so it may stand in a notebook. A
        federated link is one for 15 minutes: it never goes into an output."""
        from ...api import console_link
        from .. import render

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

        from ...engine.access.credentials_endpoint import CredentialsEndpoint
        from .. import render

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
        from ...engine.config.read import load_config

        found = load_config(self.runtime).find_any(change["new"])
        if found is not None:
            endpoint.follow(found)

    def _env(self, args: argparse.Namespace) -> None:
        from ...engine.files.token_cache import format_time
        from .. import render

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
