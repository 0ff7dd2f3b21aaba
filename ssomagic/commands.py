"""The commands of both front ends, described once: `%sso` in a notebook and `ssomagic` in a
terminal. Each front end's parser (and so its --help), the magic's docstring (what `%sso?`
shows) and <Tab> completion are made from this table, as IPython builds its own script magics
from a table, so the two can never drift apart: a command, option or name that both have is
the same in both.

A command or option may belong to one front end only (``where``): a terminal has no kernel to
bind, so `use` prints shell lines there; a notebook cannot show a federated console link (it
is a credential). Where the words differ, ``console_help`` says it for the terminal.

Imports nothing of IPython: the console script builds its parser from here without it.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .engine.access.export_formats import FORMATS as EXPORT_FORMATS

if TYPE_CHECKING:
    from .engine.runtime import Runtime

NOTEBOOK, CONSOLE = "notebook", "console"
BOTH = (NOTEBOOK, CONSOLE)

# What <Tab> offers for a positional argument.
PROFILE = "profile"  # any SSO profile: one with only an sso-session can sign in or out
ROLE_PROFILE = "role-profile"  # a profile with an account and a role: it can be bound
SESSION = "session"  # an [sso-session NAME]


@dataclass(frozen=True)
class Option:
    flag: str
    help: str | None = None
    metavar: str | None = None  # an option that takes a value, such as --sso-session NAME
    repeat: bool = False  # may be given several times (--account A --account B)
    where: tuple[str, ...] = BOTH
    choices: tuple[str, ...] | None = None
    default: Any = None
    type: Any = None
    required: bool = False
    dest: str | None = None
    short: str | None = None  # -o beside --output

    @property
    def usage(self) -> str:
        return f"{self.flag} {self.metavar}" if self.metavar else self.flag


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    positional: str | None = None  # the metavar, PROFILE
    required: bool = False
    completes: str | None = None  # PROFILE, ROLE_PROFILE or SESSION
    options: tuple[Option, ...] = field(default_factory=tuple)
    where: tuple[str, ...] = BOTH
    console_help: str | None = None  # where a terminal's command does otherwise
    description: str | None = None  # the longer text of COMMAND --help
    dest: str | None = None  # the positional's name in the parsed arguments
    nargs: str | None = None  # "+" for one or more
    positional_default: str | None = None

    def help_for(self, front: str) -> str:
        return (self.console_help if front == CONSOLE and self.console_help else self.help)

    def options_for(self, front: str) -> tuple[Option, ...]:
        return tuple(o for o in self.options if front in o.where)

    def usage_for(self, front: str) -> str:
        parts = [self.name]
        if self.positional:
            parts.append(self.positional if self.required else f"[{self.positional}]")
        parts += [f"[{o.usage}]" for o in self.options_for(front)]
        return " ".join(parts)

    @property
    def usage(self) -> str:
        return self.usage_for(NOTEBOOK)


COMMANDS: tuple[Command, ...] = (
    Command("login", "sign in (reuses a valid sign-in) and bind", "PROFILE",
            completes=PROFILE, console_help="sign in (reuses a valid sign-in)",
            description="Sign in to the profile's sso-session. A valid cached token is reused "
                        "unless --force is given.",
            options=(Option("--force", "sign in again even if the sign-in is valid"),
                     Option("--sso-session", "sign in to this sso-session alone, as `aws sso "
                            "login --sso-session NAME` (no profile needed)", "NAME"),
                     Option("--profile", "the profile, as the AWS CLI takes it (with "
                            "--sso-session: one of that session's)", "PROFILE",
                            dest="profile_option"),
                     Option("--use-device-code", "sign in with a device code, whatever "
                            "sign_in_flow says: for a browser on another machine"),
                     Option("--pkce", "sign in with one click in the browser (it must reach "
                            "the kernel's 127.0.0.1), even where a device code was chosen"),
                     Option("--no-browser", "print the sign-in link instead of opening a "
                            "browser", where=(CONSOLE,)))),
    Command("logout", "sign out of every sso-session, as `aws sso logout` does; of one with "
            "PROFILE or --sso-session", "PROFILE", completes=PROFILE,
            options=(Option("--all", "sign out of every sso-session (the default)"),
                     Option("--sso-session", "sign out of this sso-session", "NAME"))),
    Command("use", "bind a signed-in profile to this kernel", "PROFILE", required=True,
            completes=ROLE_PROFILE,
            console_help="check a profile and print the shell lines that select it",
            description="PROFILE is a profile name or ACCOUNT/ROLE. A terminal has no kernel "
                        "to bind: there it checks that PROFILE is signed in and its role "
                        "granted, then prints what selects it in your shell. Run it as: "
                        'eval "$(ssomagic use PROFILE)"',
            options=(Option("--shell", "the shell's syntax (default: posix, for bash and zsh)",
                            choices=("posix", "fish", "powershell"), default="posix",
                            where=(CONSOLE,)),)),
    Command("whoami", "account, role, ARN and expiry in use", "PROFILE",
            completes=ROLE_PROFILE),
    Command("status", "signed in or not, and time left: every sso-session, or PROFILE's",
            "PROFILE", completes=PROFILE,
            options=(Option("--all", "every sso-session in the config"),
                     Option("--sso-session", "only this sso-session", "NAME"))),
    Command("profiles", "profiles with account, role and region"),
    Command("picker", "the profile picker, sign-in button and identity card",
            where=(NOTEBOOK,)),
    Command("configure", "add or update an sso-session from a start URL (no flags: a wizard)",
            console_help="add or update an sso-session from a start URL",
            description="Write [sso-session NAME] to the config from the start URL your "
                        "administrator gave you, as `aws configure sso` does. With values "
                        "missing it asks for them (a wizard in a notebook, questions on a "
                        "terminal), then offers to sign in and add profiles.",
            options=(Option("--start-url", "the start URL your administrator gave you", "URL"),
                     Option("--region", "the IAM Identity Center's region (default: read from "
                            "the start URL when it says)", "REGION"),
                     Option("--session", "the sso-session's name (default: from the start "
                            "URL)", "NAME"),
                     Option("--scopes", "registration scopes, comma separated (default: "
                            "sso:account:access)", "SCOPES"))),
    Command("accounts", "every account and role you can use, and their profiles",
            options=(Option("--sso-session", "the sso-session to list", "NAME"),
                     Option("--json", "print JSON", where=(CONSOLE,)))),
    Command("populate", "add a profile for every account and role", "SESSION", required=True,
            completes=SESSION, dest="sso_session",
            description="One profile per account and role the sso-session reaches, in one "
                        "atomic edit. Profiles it writes are marked as its own; hand-written "
                        "ones are never changed or removed.",
            options=(Option("--template", "profile name template (default: "
                            "{role_name}-{account_id}, as aws configure sso names them; also "
                            "{account_name}, {session})", "T"),
                     Option("--region", "the profiles' region (default: the sso-session's)",
                            "R"),
                     Option("--output", "the profiles' output format", "O"),
                     Option("--account", "only this account (repeatable)", "ID_OR_NAME",
                            repeat=True),
                     Option("--role", "only this role (repeatable)", "NAME", repeat=True),
                     Option("--dry-run", "show the change as a diff, write nothing"),
                     Option("--prune", "remove profiles populate wrote whose account or role "
                            "went away (lists afresh)"),
                     Option("--refresh", "list afresh instead of reusing this sign-in's "
                            "listing"))),
    Command("console", "a link that opens the AWS console as the profile's account and role",
            "PROFILE", completes=ROLE_PROFILE,
            description="The access portal's shortcut link for the account and role; in a "
                        "terminal, with --federated, a federation sign-in link from the role "
                        "credentials, opened in a browser (it is a credential for 15 minutes).",
            options=(Option("--destination", "a service's page (s3, ec2...) or a console URL",
                            "SERVICE_OR_URL"),
                     Option("--federated", "sign the browser in with the role credentials "
                            "themselves (a credential: the terminal only)"),
                     Option("--no-browser", "print the link only", where=(CONSOLE,)))),
    Command("serve", "a local credentials endpoint for this kernel's subprocesses and "
            "containers, refreshed while the sign-in lasts; follows %sso use", "PROFILE",
            completes=ROLE_PROFILE,
            console_help="a local credentials endpoint that refreshes, until Ctrl-C",
            description="Serve the profile's credentials with the AWS SDKs' container-"
                        "credentials protocol on 127.0.0.1: every SDK a process started with "
                        "the printed variables gets fresh ones for as long as the sign-in "
                        "lasts.",
            options=(Option("--stop", "stop serving", where=(NOTEBOOK,)),)),
    Command("env", "export the bound role's temporary credentials into os.environ for tools "
            "that cannot read SSO profiles", where=(NOTEBOOK,),
            options=(Option("--off", "remove them again"),)),
    Command("export-credentials", "print a profile's role credentials for other tools",
            where=(CONSOLE,),
            description="As `aws configure export-credentials`: `credential_process = "
                        "ssomagic export-credentials --profile P` lets any SDK use an SSO "
                        "profile.",
            options=(Option("--profile", "the profile", "PROFILE"),
                     Option("--format", "the output's format (default: process)",
                            choices=EXPORT_FORMATS, default="process"))),
    Command("check", "find AWS credentials in saved notebooks", "NOTEBOOK", required=True,
            nargs="+", dest="notebooks", where=(CONSOLE,),
            description="Scan notebooks (outputs, saved widget state, metadata, attachments, "
                        "sources) for AWS credentials. Exit 1 when something is found, 0 when "
                        "clean, 2 for a file that is not a notebook. The secrets are never "
                        "printed.",
            options=(Option("--fix", "redact them in place"),)),
    Command("onboarding", "write your organisation's onboarding notebook", where=(CONSOLE,),
            description="Write an onboarding notebook for your start URL: configure, sign in, "
                        "accounts, a role, a first boto3 call, two accounts side by side, "
                        "expiry, logout.",
            options=(Option("--start-url", "the start URL", "URL", required=True),
                     Option("--region", "its region, when the URL does not say", "R"),
                     Option("--session", "the sso-session's name", "NAME"),
                     Option("--account", "a role to show (repeatable; the first is the one "
                            "used)", "ACCOUNT/ROLE", repeat=True),
                     Option("--profile-template", "profile name template", "T"),
                     Option("--title", "the notebook's title", "TEXT"),
                     Option("--output", "the notebook to write", "FILE.ipynb", required=True,
                            short="-o"),
                     Option("--force", "replace an existing file"))),
    Command("notebooks", "copy the shipped notebooks out", "DIR", dest="directory",
            positional_default=".", where=(CONSOLE,),
            description="Copy onboarding.ipynb and several-accounts.ipynb into DIR.",
            options=(Option("--force", "replace existing files"),)),
    Command("emulator", "run a local IAM Identity Center for demos and tests", where=(CONSOLE,),
            description="Serve sso-oidc, the access portal and STS on loopback. Point the AWS "
                        "CLI, boto3 and ssomagic at it with the printed AWS_ENDPOINT_URL_* "
                        "variables.",
            options=(Option("--host", "address to listen on (default: 127.0.0.1, loopback "
                            "only)", "HOST", default="127.0.0.1"),
                     Option("--port", "port (default: a free one)", "PORT", type=int,
                            default=0),
                     Option("--org", "JSON file of accounts, roles and user", "FILE"),
                     Option("--accounts", "serve a generated org of N accounts instead (no "
                            "file needed)", "N", type=int),
                     Option("--roles", "roles in each generated account (default: 2)", "K",
                            type=int, default=2),
                     Option("--portal-rate", "throttle the access portal at CALLS a second, "
                            "as the service does at 20 (default: no quota)", "CALLS",
                            type=float),
                     Option("--portal-burst", "calls the portal's quota lets through at once "
                            "(default: the rate)", "CALLS", type=int),
                     Option("--token-lifetime", "access tokens' lifetime", "SECONDS",
                            type=int),
                     Option("--interval", "polling interval the server asks for", "SECONDS",
                            type=int),
                     Option("--device-code-expiry", "device codes' lifetime", "SECONDS",
                            type=int),
                     Option("--no-refresh-tokens", "issue access tokens without refresh "
                            "tokens"))),
    Command("completion", "print the shell's <Tab> completion for ssomagic", where=(CONSOLE,),
            description='Add eval "$(ssomagic completion)" to ~/.bashrc (in zsh, after '
                        "autoload -U bashcompinit && bashcompinit): <Tab> then completes "
                        "commands, options, profiles and sso-sessions, as %sso does in a "
                        "notebook.",
            options=(Option("--line", "the command line so far: print its candidates, one a "
                            "line (what the completion script asks)", "TEXT"),)),
)


def commands_for(front: str) -> tuple[Command, ...]:
    return tuple(c for c in COMMANDS if front in c.where)


BY_NAME = {c.name: c for c in commands_for(NOTEBOOK)}  # %sso's, for completion
CONSOLE_BY_NAME = {c.name: c for c in commands_for(CONSOLE)}

DESCRIPTION = ("Sign in to AWS IAM Identity Center and bind a profile to this kernel. "
               "PROFILE is a profile name or ACCOUNT/ROLE (account name or id).")
EPILOG = ("%sso alone shows the picker in a notebook, the status in a terminal. "
          "%%sso PROFILE runs one cell under another profile, then restores the binding.")
CONSOLE_DESCRIPTION = ("Sign in to AWS IAM Identity Center (AWS SSO), sharing the AWS CLI's "
                       "config and token cache. PROFILE is a profile name or ACCOUNT/ROLE.")
CONSOLE_EPILOG = "PROFILE defaults to $AWS_PROFILE, else 'default'."


def add_commands(parser: argparse.ArgumentParser, front: str) -> None:
    """The subcommands of ``front`` on ``parser``, each with its own --help. Subparsers are of
    the parser's own class, so a MagicArgumentParser's stay MagicArgumentParsers."""
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands_for(front):
        sub = subcommands.add_parser(command.name, help=command.help_for(front),
                                     description=command.description or command.help_for(front),
                                     add_help=True)
        if command.positional:
            nargs = command.nargs or (None if command.required else "?")
            default: dict[str, Any] = {} if command.positional_default is None else {
                "default": command.positional_default}
            sub.add_argument(command.dest or command.positional.lower(),
                             metavar=command.positional, nargs=nargs, **default)
        for option in command.options_for(front):
            names = [option.short, option.flag] if option.short else [option.flag]
            extra: dict[str, Any] = {"dest": option.dest} if option.dest else {}
            if option.required:
                extra["required"] = True
            if option.repeat:
                sub.add_argument(*names, metavar=option.metavar, help=option.help,
                                 action="append", default=[], **extra)
            elif option.metavar or option.choices:
                sub.add_argument(*names, metavar=option.metavar, help=option.help,
                                 choices=option.choices, default=option.default,
                                 type=option.type, **extra)
            else:
                sub.add_argument(*names, action="store_true", help=option.help, **extra)


def build_console_parser(version: str) -> argparse.ArgumentParser:
    """The `ssomagic` console script's parser."""
    parser = argparse.ArgumentParser(prog="ssomagic", description=CONSOLE_DESCRIPTION,
                                     epilog=CONSOLE_EPILOG)
    parser.add_argument("--version", action="version", version=f"ssomagic {version}")
    add_commands(parser, CONSOLE)
    return parser


def profile_names(runtime: Runtime, *, with_role_only: bool) -> list[str]:
    """From the config file alone (parsed once per change): <Tab> never waits on the network
    and never imports boto3."""
    from .engine.config.read import load_config
    from .engine.errors import SsoMagicError

    try:
        profiles = load_config(runtime).sso_profiles()
    except SsoMagicError:  # a malformed config: the command itself will say what is wrong
        return []
    return [p.name for p in profiles if p.has_role or not with_role_only]


def session_names(runtime: Runtime) -> list[str]:
    from .engine.config.read import load_config
    from .engine.errors import SsoMagicError

    try:
        return list(load_config(runtime).sso_sessions)
    except SsoMagicError:
        return []


def candidates(words: list[str], front: str, runtime: Runtime) -> list[str]:
    """What may come next, for both front ends: ``words`` follow `%sso` or `ssomagic`, the
    last one being the word typed so far ("" at a new word)."""
    by_name = {c.name: c for c in commands_for(front)}
    if len(words) <= 1:
        return [*by_name, "--help"]
    command, typed, current = by_name.get(words[0]), words[1:-1], words[-1]
    if command is None:
        return []
    options = command.options_for(front)
    flags = [*(o.flag for o in options), "--help"]
    value_of = next((o for o in options if typed and typed[-1] == o.flag
                     and (o.metavar or o.choices)), None)
    if value_of is not None and not current.startswith("-"):  # the option's value
        if value_of.choices:
            return list(value_of.choices)
        if value_of.flag == "--sso-session":
            return session_names(runtime)
        if value_of.metavar == "PROFILE":
            return profile_names(runtime, with_role_only=False)
        return []
    if current.startswith("-") or command.completes is None:
        return flags
    values = {o.flag for o in options if o.metavar or o.choices}
    given = [w for i, w in enumerate(typed) if not w.startswith("-")
             and not (i and typed[i - 1] in values)]
    if given:
        return flags  # the positional is already there
    if command.completes == SESSION:
        return session_names(runtime) + flags
    return profile_names(runtime, with_role_only=command.completes == ROLE_PROFILE) + flags


BASH_COMPLETION = """\
_ssomagic_complete() {
    local IFS=$'\\n'
    COMPREPLY=($(compgen -W "$(ssomagic completion --line "${COMP_LINE:0:$COMP_POINT}" \\
        2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _ssomagic_complete ssomagic
"""


def console_candidates(line: str, runtime: Runtime) -> list[str]:
    """The completion script's question: the command line so far, `ssomagic` first."""
    words = line.split()[1:]
    if not line or line[-1].isspace():
        words.append("")
    return candidates(words, CONSOLE, runtime)


def phrase(text: str, front: str) -> str:
    """An engine message's advice in ``front``'s words. The engine names commands as
    `ssomagic login dev` (engine/advice.py); a notebook reads %sso login dev where %sso has
    the command, and `ssomagic X` in a terminal where only the console does."""
    from .engine.advice import COMMAND

    if front == CONSOLE:
        return text
    notebook = {c.name for c in commands_for(NOTEBOOK)}

    def rephrased(found: re.Match[str]) -> str:
        name, rest = found[1], found[2]
        if name in notebook:
            return f"%sso {name}{rest}"
        return f"`ssomagic {name}{rest}` in a terminal"

    return COMMAND.sub(rephrased, text)


def docstring() -> str:
    """The magic's docstring, in the layout of IPython's own magics' help."""
    lines = [DESCRIPTION, ""]
    for command in commands_for(NOTEBOOK):
        lines += [f"%sso {command.usage}", f"    {command.help}"]
    lines += ["", EPILOG, "%sso COMMAND --help for the details of one command."]
    return "\n".join(lines)
