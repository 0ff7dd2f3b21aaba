"""configure, accounts and populate: from a start URL to profiles in ~/.aws/config."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError

from .base import CommandsBase


class SetupCommands(CommandsBase):
    def _configure(self, args: argparse.Namespace) -> Any:
        from .. import render

        if args.start_url is None:
            if not self.rich:
                raise UsageError("%sso configure needs --start-url URL here (the wizard needs "
                                 "a notebook).")
            from IPython.display import display

            from ..widgets import ConfigureWizard

            display(ConfigureWizard(runtime=self.runtime, binding=self.binding))
            return None
        from ...engine.config.configure import configure

        written = configure(args.start_url, region=args.region, session=args.session,
                            scopes=args.scopes, runtime=self.runtime)
        text = f"{written.summary()} {written.next('%sso login')}"
        self._out(render.message_html(text) + render.pre_html("\n".join(written.lines())),
                  text)
        return None

    def _accounts(self, args: argparse.Namespace) -> None:
        from ...engine.access.accounts import accounts
        from ...engine.config.read import load_config
        from .. import render

        config = load_config(self.runtime)
        found = accounts(config.choose_session(args.sso_session, self.runtime), self.runtime)
        rows = render.account_rows(found)
        self._out(render.table_html("ssomagic-accounts", render.ACCOUNTS_HEADER, rows),
                  render.table_text(render.ACCOUNTS_HEADER, rows))

    def _populate(self, args: argparse.Namespace) -> None:
        from ...engine.config.populate import DEFAULT_TEMPLATE, populate
        from .. import render
        from ..progress import ProgressBar

        with ProgressBar() as bar:
            report = populate(args.sso_session, template=args.template or DEFAULT_TEMPLATE,
                              region=args.region, output=args.output, accounts=args.account,
                              roles=args.role, dry_run=args.dry_run, prune=args.prune,
                              runtime=self.runtime, progress=bar.show if self.rich else None,
                              refresh=args.refresh)
        diff = report.edit.diff() if args.dry_run and report.edit is not None else ""
        self._out(render.message_html(str(report)) + (render.pre_html(diff) if diff else ""),
                  f"{diff}{report}")
