"""The %sso subcommands, described once. The parser (and so `%sso COMMAND --help`), the
magic's docstring (what `%sso?` shows) and <Tab> completion are all made from this table, as
IPython builds its own script magics from a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What <Tab> offers for a positional argument.
PROFILE = "profile"  # any SSO profile: one with only an sso-session can sign in or out
ROLE_PROFILE = "role-profile"  # a profile with an account and a role: it can be bound
SESSION = "session"  # an [sso-session NAME]


@dataclass(frozen=True)
class Option:
    flag: str
    help: str
    metavar: str | None = None  # an option that takes a value, such as --sso-session NAME
    repeat: bool = False  # may be given several times (--account A --account B)

    @property
    def usage(self) -> str:
        return f"{self.flag} {self.metavar}" if self.metavar else self.flag


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    positional: str | None = None  # the metavar, PROFILE
    required: bool = False
    completes: str | None = None  # PROFILE or ROLE_PROFILE
    options: tuple[Option, ...] = field(default_factory=tuple)

    @property
    def usage(self) -> str:
        parts = [self.name]
        if self.positional:
            parts.append(self.positional if self.required else f"[{self.positional}]")
        parts += [f"[{o.usage}]" for o in self.options]
        return " ".join(parts)


COMMANDS: tuple[Command, ...] = (
    Command("login", "sign in (reuses a valid sign-in) and bind", "PROFILE",
            completes=PROFILE,
            options=(Option("--force", "sign in again even if the sign-in is valid"),
                     Option("--sso-session", "sign in to this sso-session alone, no profile "
                            "needed", "NAME"),
                     Option("--use-device-code", "sign in with a device code, whatever "
                            "sign_in_flow says"),
                     Option("--pkce", "sign in with one click in the browser (it must reach "
                            "the kernel's 127.0.0.1)"))),
    Command("logout", "sign out of every sso-session, as `aws sso logout` does; of one with "
            "PROFILE or --sso-session", "PROFILE", completes=PROFILE,
            options=(Option("--all", "sign out of every sso-session (the default)"),
                     Option("--sso-session", "sign out of this sso-session", "NAME"))),
    Command("use", "bind a signed-in profile to this kernel", "PROFILE", required=True,
            completes=ROLE_PROFILE),
    Command("whoami", "account, role, ARN and expiry in use", "PROFILE",
            completes=ROLE_PROFILE),
    Command("status", "every sso-session: signed in or not, time left",
            options=(Option("--sso-session", "only this sso-session", "NAME"),)),
    Command("profiles", "profiles with account name, role and region"),
    Command("picker", "the profile picker, sign-in button and identity card"),
    Command("configure", "add or update an sso-session from a start URL (no flags: a wizard)",
            options=(Option("--start-url", "the start URL your administrator gave you", "URL"),
                     Option("--region", "its region, when the URL does not say", "REGION"),
                     Option("--session", "the sso-session's name", "NAME"),
                     Option("--scopes", "registration scopes, comma separated", "SCOPES"))),
    Command("accounts", "every account and role you can use, and their profiles",
            options=(Option("--sso-session", "the sso-session to list", "NAME"),)),
    Command("populate", "add a profile for every account and role", "SESSION", required=True,
            completes=SESSION,
            options=(Option("--template", "profile name template", "T"),
                     Option("--region", "the profiles' region", "R"),
                     Option("--output", "the profiles' output format", "O"),
                     Option("--account", "only this account (repeatable)", "ID_OR_NAME",
                            repeat=True),
                     Option("--role", "only this role (repeatable)", "NAME", repeat=True),
                     Option("--dry-run", "show the change, write nothing"),
                     Option("--prune", "remove populated profiles that went away (lists "
                            "afresh)"),
                     Option("--refresh", "list afresh instead of reusing this sign-in's "
                            "listing"))),
    Command("console", "a link that opens the AWS console as the profile's account and role",
            "PROFILE", completes=ROLE_PROFILE,
            options=(Option("--destination", "a service's page (s3, ec2...) or a console URL",
                            "D"),
                     Option("--federated", "a federation link (a credential: the terminal "
                            "only)"))),
    Command("serve", "a local credentials endpoint for this kernel's subprocesses and "
            "containers, refreshed while the sign-in lasts; follows %sso use", "PROFILE",
            completes=ROLE_PROFILE, options=(Option("--stop", "stop serving"),)),
    Command("env", "export the bound role's temporary credentials into os.environ for tools "
            "that cannot read SSO profiles",
            options=(Option("--off", "remove them again"),)),
)
BY_NAME = {c.name: c for c in COMMANDS}

DESCRIPTION = ("Sign in to AWS IAM Identity Center and bind a profile to this kernel. "
               "PROFILE is a profile name or ACCOUNT/ROLE (account name or id).")
EPILOG = ("%sso alone shows the picker in a notebook, the status in a terminal. "
          "%%sso PROFILE runs one cell under another profile, then restores the binding.")


def build_parser() -> Any:
    """The MagicArgumentParser for %sso; each subcommand has its own --help."""
    from IPython.core.magic_arguments import MagicArgumentParser

    class Parser(MagicArgumentParser):
        """IPython's parser writes help as reST (a leading "::"); ours is read as text."""

        def format_help(self) -> str:
            text = super().format_help()
            return text[4:] if text.startswith("::\n\n") else text

    parser = Parser(prog="sso", description=DESCRIPTION, epilog=EPILOG, add_help=True)
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = subcommands.add_parser(command.name, help=command.help, description=command.help,
                                     add_help=True)
        if command.positional:
            sub.add_argument(command.positional.lower(), metavar=command.positional,
                             nargs=None if command.required else "?")
        for option in command.options:
            if option.repeat:
                sub.add_argument(option.flag, metavar=option.metavar, help=option.help,
                                 action="append", default=[])
            elif option.metavar:
                sub.add_argument(option.flag, metavar=option.metavar, help=option.help)
            else:
                sub.add_argument(option.flag, action="store_true", help=option.help)
    return parser


def docstring() -> str:
    """The magic's docstring, in the layout of IPython's own magics' help."""
    lines = [DESCRIPTION, ""]
    for command in COMMANDS:
        lines += [f"%sso {command.usage}", f"    {command.help}"]
    lines += ["", EPILOG, "%sso COMMAND --help for the details of one command."]
    return "\n".join(lines)
