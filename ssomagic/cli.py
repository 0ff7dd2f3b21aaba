"""The `ssomagic` console script: the same engine as the notebook, rendered as text.

On failure it prints one line saying what went wrong and what to do, and exits non-zero;
never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__, api
from .console import ProgressLine
from .engine.accounts import as_json
from .engine.config import AwsConfig, load_config
from .engine.errors import NothingToSignInError, SsoMagicError
from .engine.export import FORMATS as EXPORT_FORMATS
from .engine.runtime import Runtime
from .notebook.render import table_text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ssomagic",
        description="Sign in to AWS IAM Identity Center (AWS SSO), sharing the AWS CLI's "
                    "config and token cache.",
        epilog="PROFILE defaults to $AWS_PROFILE, else 'default'.")
    parser.add_argument("--version", action="version", version=f"ssomagic {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    login = commands.add_parser("login", help="sign in with the device code flow",
                                description="Sign in to the profile's sso-session. A valid "
                                "cached token is reused unless --force is given.")
    login.add_argument("profile", nargs="?", metavar="PROFILE")
    login.add_argument("--use-device-code", action="store_true",
                       help="sign in with a device code (as the AWS CLI's option): for a "
                            "browser on another machine")
    login.add_argument("--pkce", action="store_true",
                       help="sign in with one click in a browser on this machine, even where "
                            "ssomagic would choose a device code (a container, SSH)")
    login.add_argument("--no-browser", action="store_true",
                       help="print the sign-in link instead of opening a browser")
    login.add_argument("--profile", dest="profile_option", metavar="PROFILE",
                       help="the profile, as the AWS CLI takes it (with --sso-session: one of "
                            "that session's)")
    login.add_argument("--force", action="store_true", help="start a new sign-in even if "
                       "a valid token is cached")
    login.add_argument("--sso-session", metavar="NAME", help="sign in to this sso-session "
                       "alone, as `aws sso login --sso-session NAME` (no profile needed)")

    logout = commands.add_parser("logout", help="sign out, as `aws sso logout` does",
                                 description="Sign out of every sso-session, as `aws sso "
                                 "logout` does; of one with a PROFILE or --sso-session.")
    logout.add_argument("profile", nargs="?", metavar="PROFILE")
    logout.add_argument("--all", action="store_true", help="sign out of every sso-session "
                        "(the default)")
    logout.add_argument("--sso-session", metavar="NAME", help="sign out of this sso-session")

    use = commands.add_parser(
        "use", help="check a profile and print the shell lines that select it",
        description="A console has no kernel to bind: check that PROFILE (or ACCOUNT/ROLE) is "
                    "signed in and its role granted, then print what selects it in your shell. "
                    'Run it as: eval "$(ssomagic use PROFILE)"')
    use.add_argument("profile", metavar="PROFILE")
    use.add_argument("--shell", choices=["posix", "fish", "powershell"], default="posix",
                     help="the shell's syntax (default: posix, for bash and zsh)")

    whoami = commands.add_parser("whoami", help="show the account, role and ARN in use")
    whoami.add_argument("profile", nargs="?", metavar="PROFILE")

    commands.add_parser("profiles", help="list the SSO profiles in the config")

    status = commands.add_parser("status", help="show whether sessions are signed in")
    status.add_argument("profile", nargs="?", metavar="PROFILE")
    status.add_argument("--all", action="store_true", help="every sso-session in the config")
    status.add_argument("--sso-session", metavar="NAME", help="this sso-session")

    configure = commands.add_parser(
        "configure", help="add or update an sso-session from a start URL",
        description="Write [sso-session NAME] to the config from the start URL your "
                    "administrator gave you, as `aws configure sso` does. With values missing "
                    "on a terminal it asks for them, then offers to sign in and add profiles.")
    configure.add_argument("--start-url", metavar="URL")
    configure.add_argument("--region", metavar="REGION", help="the IAM Identity Center's "
                           "region (default: read from the start URL when it says)")
    configure.add_argument("--session", metavar="NAME", help="the sso-session's name "
                           "(default: from the start URL)")
    configure.add_argument("--scopes", metavar="SCOPES", help="registration scopes, comma "
                           "separated (default: sso:account:access)")

    accounts = commands.add_parser("accounts", help="list the accounts and roles you can use",
                                   description="Every account and role the sign-in reaches, "
                                   "and the profile already configured for each.")
    accounts.add_argument("--sso-session", metavar="NAME")
    accounts.add_argument("--json", action="store_true", help="print JSON")

    populate = commands.add_parser(
        "populate", help="add a profile for every account and role",
        description="One profile per account and role the sso-session reaches, in one atomic "
                    "edit. Profiles it writes are marked as its own; hand-written ones are "
                    "never changed or removed.")
    populate.add_argument("sso_session", metavar="SESSION")
    populate.add_argument("--template", metavar="T", help="profile name template (default: "
                          "{role_name}-{account_id}, as aws configure sso names them; also "
                          "{account_name}, {session})")
    populate.add_argument("--region", metavar="R", help="the profiles' region (default: the "
                          "sso-session's)")
    populate.add_argument("--output", metavar="O", help="the profiles' output format")
    populate.add_argument("--account", action="append", default=[], metavar="ID_OR_NAME",
                          help="only this account (repeatable)")
    populate.add_argument("--role", action="append", default=[], metavar="NAME",
                          help="only this role (repeatable)")
    populate.add_argument("--dry-run", action="store_true", help="print the change as a diff "
                          "and write nothing")
    populate.add_argument("--prune", action="store_true", help="remove profiles populate "
                          "wrote whose account or role went away (lists afresh)")
    populate.add_argument("--refresh", action="store_true", help="list afresh instead of "
                          "reusing this sign-in's listing")

    console = commands.add_parser(
        "console", help="open the AWS console as a profile's account and role",
        description="Opens (or prints) the access portal's shortcut link for the account and "
                    "role; with --federated, a federation sign-in link from the role "
                    "credentials, opened in a browser (it is a credential for 15 minutes).")
    console.add_argument("profile", nargs="?", metavar="PROFILE")
    console.add_argument("--federated", action="store_true",
                         help="sign the browser in with the role credentials themselves")
    console.add_argument("--destination", metavar="SERVICE_OR_URL",
                         help="a service's page (s3, ec2...) or a console URL")
    console.add_argument("--no-browser", action="store_true", help="print the link only")

    serve = commands.add_parser(
        "serve", help="a local credentials endpoint that refreshes",
        description="Serve the profile's credentials with the AWS SDKs' container-credentials "
                    "protocol on 127.0.0.1 until Ctrl-C: every SDK a process started with the "
                    "printed variables gets fresh ones for as long as the sign-in lasts.")
    serve.add_argument("profile", nargs="?", metavar="PROFILE")

    export = commands.add_parser(
        "export-credentials", help="print a profile's role credentials for other tools",
        description="As `aws configure export-credentials`: `credential_process = ssomagic "
                    "export-credentials --profile P` lets any SDK use an SSO profile.")
    export.add_argument("--profile", metavar="PROFILE")
    export.add_argument("--format", default="process", choices=EXPORT_FORMATS)

    check = commands.add_parser(
        "check", help="find AWS credentials in saved notebooks",
        description="Scan notebooks (outputs, saved widget state, metadata, attachments, "
                    "sources) for AWS credentials. Exit 1 when something is found, 0 when "
                    "clean, 2 for a file that is not a notebook. The secrets are never printed.")
    check.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    check.add_argument("--fix", action="store_true", help="redact them in place")

    onboarding = commands.add_parser(
        "onboarding", help="write your organisation's onboarding notebook",
        description="Write an onboarding notebook for your start URL: configure, sign in, "
                    "accounts, a role, a first boto3 call, two accounts side by side, expiry, "
                    "logout.")
    onboarding.add_argument("--start-url", metavar="URL", required=True)
    onboarding.add_argument("--region", metavar="R")
    onboarding.add_argument("--session", metavar="NAME")
    onboarding.add_argument("--account", action="append", default=[], metavar="ACCOUNT/ROLE",
                            help="a role to show (repeatable; the first is the one used)")
    onboarding.add_argument("--profile-template", metavar="T")
    onboarding.add_argument("--title", metavar="TEXT")
    onboarding.add_argument("-o", "--output", metavar="FILE.ipynb", required=True)
    onboarding.add_argument("--force", action="store_true", help="replace an existing file")

    notebooks = commands.add_parser("notebooks", help="copy the shipped notebooks out",
                                    description="Copy onboarding.ipynb and "
                                    "several-accounts.ipynb into DIR.")
    notebooks.add_argument("directory", nargs="?", default=".", metavar="DIR")
    notebooks.add_argument("--force", action="store_true", help="replace existing files")

    emulator = commands.add_parser(
        "emulator", help="run a local IAM Identity Center for demos and tests",
        description="Serve sso-oidc, the access portal and STS on loopback. Point the AWS CLI, "
                    "boto3 and ssomagic at it with the printed AWS_ENDPOINT_URL_* variables.")
    emulator.add_argument("--host", default="127.0.0.1",
                          help="address to listen on (default: 127.0.0.1, loopback only)")
    emulator.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    emulator.add_argument("--org", metavar="FILE", help="JSON file of accounts, roles and user")
    emulator.add_argument("--accounts", type=int, metavar="N",
                          help="serve a generated org of N accounts instead (no file needed)")
    emulator.add_argument("--roles", type=int, default=2, metavar="K",
                          help="roles in each generated account (default: 2)")
    emulator.add_argument("--portal-rate", type=float, metavar="CALLS",
                          help="throttle the access portal at CALLS a second, as the service "
                               "does at 20 (default: no quota)")
    emulator.add_argument("--portal-burst", type=int, metavar="CALLS",
                          help="calls the portal's quota lets through at once (default: the "
                               "rate)")
    emulator.add_argument("--token-lifetime", type=int, metavar="SECONDS")
    emulator.add_argument("--interval", type=int, metavar="SECONDS",
                          help="polling interval the server asks for")
    emulator.add_argument("--device-code-expiry", type=int, metavar="SECONDS")
    emulator.add_argument("--no-refresh-tokens", action="store_true",
                          help="issue access tokens without refresh tokens")
    return parser


def _run_emulator(args: argparse.Namespace) -> int:
    from .emulator import Emulator, Org, Settings

    settings = Settings()
    if args.token_lifetime:
        settings.token_lifetime = args.token_lifetime
    if args.interval:
        settings.interval = args.interval
    if args.device_code_expiry:
        settings.device_code_expiry = args.device_code_expiry
    settings.refresh_tokens = not args.no_refresh_tokens
    if args.portal_rate:
        settings.portal_rate = args.portal_rate
    if args.portal_burst:
        settings.portal_burst = args.portal_burst
    if args.org and args.accounts:
        print("ssomagic: --org and --accounts each name the org: give one of them.",
              file=sys.stderr)
        return 2
    org = (Org.load(args.org) if args.org
           else Org.generated(args.accounts, args.roles) if args.accounts else None)
    try:
        emulator = Emulator(org, settings, host=args.host, port=args.port)
    except OSError as exc:
        print(f"ssomagic: the emulator cannot listen on {args.host} port {args.port or 'any'} "
              f"({exc.strerror or exc}). Choose another --host or --port (the default, "
              "127.0.0.1 and a free port, always works).", file=sys.stderr)
        return 1
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        print(f"ssomagic: warning: the emulator listens on {args.host}, not only on this "
              "machine: anyone who reaches it can approve codes on its page and be handed its "
              "tokens. Leave --host out to keep it on loopback.", file=sys.stderr, flush=True)
    print(f"IAM Identity Center emulator on {emulator.url}")
    for name, value in emulator.endpoint_env().items():
        print(f"export {name}={value}")
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()
    return 0


def _serve(args: argparse.Namespace) -> int:
    import time

    endpoint = api.serve(args.profile)
    for name, value in endpoint.environment().items():
        print(f"export {name}={shlex.quote(value)}")
    sys.stdout.flush()
    print(f"ssomagic: serving {endpoint.profile}'s credentials at {endpoint.url} until Ctrl-C; "
          "give those two variables to a process or a container (docker run --network host "
          "-e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN ...).",
          file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        endpoint.stop()


def _use(args: argparse.Namespace) -> int:
    from .engine.resolve import resolve_profile
    from .engine.timing import format_duration
    from .engine.use import shell_lines, usable

    runtime = Runtime()
    profile = resolve_profile(args.profile, runtime)
    token = usable(profile, runtime)
    print(shell_lines(profile, args.shell))
    left = format_duration(token.remaining(runtime.now()).total_seconds())
    print(f"ssomagic: {profile.name} is account {profile.account_id}, role {profile.role_name}; "
          f"signed in for {left}.", file=sys.stderr)
    if sys.stdout.isatty():
        print(f'ssomagic: to select it, run: eval "$(ssomagic use {shlex.quote(args.profile)})"',
              file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    if not (sys.argv[1:] if argv is None else list(argv)):
        parser.print_help()  # `ssomagic` alone: what it can do, not an error
        return 0
    args = parser.parse_args(argv)
    try:
        if args.command == "emulator":
            return _run_emulator(args)
        if args.command == "login":
            api.login(args.profile or args.profile_option, sso_session=args.sso_session,
                      force=args.force, flow="device" if args.use_device_code
                      else "pkce" if args.pkce else "auto",
                      open_browser=not args.no_browser)
        elif args.command == "logout":
            every = args.all or (args.profile is None and args.sso_session is None)
            print(api.logout(args.profile, sso_session=args.sso_session, all=every))
        elif args.command == "configure":
            return _configure(args)
        elif args.command == "accounts":
            access = api.accounts(sso_session=args.sso_session)
            print(as_json(access) if args.json else table_text(
                ("account", "id", "role", "profile"),
                [(a.account_name, a.account_id, a.role_name, a.profile or "-") for a in access]))
        elif args.command == "populate":
            with ProgressLine(sys.stderr) as progress:
                report = api.populate(args.sso_session, template=args.template,
                                      region=args.region, output=args.output,
                                      accounts=args.account, roles=args.role,
                                      dry_run=args.dry_run, prune=args.prune,
                                      progress=progress.show, refresh=args.refresh)
            if args.dry_run and report.edit is not None:
                print(report.edit.diff(), end="")
            print(report)
        elif args.command == "check":
            from .secret_check import main as check_main

            return check_main(args.notebooks, fix_them=args.fix)
        elif args.command == "onboarding":
            from .onboarding import Organisation, onboarding, write

            org = Organisation.checked(args.start_url, region=args.region, session=args.session,
                                       accounts=args.account,
                                       profile_template=args.profile_template, title=args.title)
            print(f"Wrote {write(onboarding(org), Path(args.output), force=args.force)}.")
        elif args.command == "notebooks":
            from .onboarding import copy_shipped

            for path in copy_shipped(Path(args.directory), force=args.force):
                print(f"Wrote {path}.")
        elif args.command == "serve":
            return _serve(args)
        elif args.command == "console":
            link = api.console_link(args.profile, federated=args.federated,
                                    destination=args.destination)
            opened = not args.no_browser and api._browser(link)
            if not opened or not args.federated:
                print(link)
            if opened:
                print("ssomagic: opened in your browser.", file=sys.stderr)
        elif args.command == "export-credentials":
            print(api.export_credentials(args.profile, format=args.format))
        elif args.command == "whoami":
            print(api.whoami(args.profile))
        elif args.command == "use":
            return _use(args)
        elif args.command == "profiles":
            if not api.profiles() and not _config().plain_profiles():
                print(f"ssomagic: {_config().nothing_to_sign_in_to}", file=sys.stderr)
            for profile in api.profiles():
                sso = profile.sso
                role = f"{profile.account_id}/{profile.role_name}" if profile.has_role else "-"
                via = f" via {' -> '.join(profile.chain[1:])}" if profile.source else ""
                print(f"{profile.name}\t{role}\t{profile.region or '-'}\t"
                      f"{sso.label if sso else '-'}{via}")
            for plain in _config().plain_profiles():
                print(f"{plain.name}\t-\t{plain.region or '-'}\t({plain.kind})")
        elif args.command == "status":
            found = api.sessions() if args.all or (
                args.profile is None and args.sso_session is None
                and not _has_default_profile()) else [
                api.status(args.profile, sso_session=args.sso_session)]
            if not found:
                print(f"ssomagic: {_config().nothing_to_sign_in_to}", file=sys.stderr)
            for entry in found:
                print(entry)
    except NothingToSignInError as exc:  # a fact, not a failure
        print(f"ssomagic: {exc}")
        return 0
    except SsoMagicError as exc:
        print(f"ssomagic: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ssomagic: Sign-in cancelled.", file=sys.stderr)
        return 130
    return 0


def _ask(prompt: str, default: str | None = None) -> str | None:
    shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
    answer = input(shown).strip()
    return answer or default


def _ask_until(prompt: str, default: str | None, check: Callable[[str], str]) -> str:
    """Ask until the answer passes ``check`` (which says what is wrong in one line): a typo
    at a late prompt asks again instead of throwing the whole run away."""
    while True:
        answer = _ask(prompt, default) or ""
        try:
            return check(answer)
        except SsoMagicError as exc:
            print(f"ssomagic: {exc.message} Try again.")


def _configure(args: argparse.Namespace) -> int:
    """configure: no prompt when the values are complete; on a terminal, ask for the rest."""
    from .engine.errors import ConfigError

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if args.start_url is None and not interactive:
        raise ConfigError("No start URL given, and no terminal to ask on.",
                          "Give it with --start-url URL.")
    if interactive and (args.start_url is None or args.region is None):
        _ask_session_values(args)
    written = api.configure(args.start_url, region=args.region, session=args.session,
                            scopes=args.scopes)
    print(written)
    if interactive and (_ask("Sign in now and add profiles? [Y/n]") or "y").lower() == "y":
        _add_profiles_interactively(written.name)
    return 0


def _ask_session_values(args: argparse.Namespace) -> None:
    """`aws configure sso`'s four questions, always in its order (name, start URL, region,
    scopes), each skipped when given as a flag. A re-run asks the same questions, offering the
    configured session's values as defaults, so Enter four times keeps everything."""
    from .engine import start_url as urls
    from .engine.configure import parse_scopes
    from .engine.errors import ConfigError

    sessions = _config().sso_sessions
    if args.session is None:
        same_url = [n for n, v in sessions.items()
                    if args.start_url and v.get("sso_start_url") == args.start_url]
        only = next(iter(sessions)) if len(sessions) == 1 else None
        args.session = _ask("SSO session name (Recommended)",
                            same_url[0] if same_url else only)
    existing = sessions.get(args.session or "", {})
    if args.start_url is None:
        args.start_url = _ask_until("SSO start URL", existing.get("sso_start_url"),
                                    urls.check_start_url)
    if args.region is None:
        try:
            derived = urls.resolve(args.start_url).region
        except ConfigError:
            derived = None
        args.region = _ask_until("SSO region", derived or existing.get("sso_region"),
                                 urls.check_region)
    if args.scopes is None:
        args.scopes = _ask_until("SSO registration scopes",
                                 existing.get("sso_registration_scopes", "sso:account:access"),
                                 lambda s: ",".join(parse_scopes(s) or ()))


def _add_profiles_interactively(session_name: str) -> None:
    """Sign in, then choose accounts and roles from a numbered, filterable list."""
    from .engine.configure import profile_values, write
    from .engine.names import profile_name
    from .engine.start_url import check_region

    runtime = Runtime()
    session = load_config(runtime).session(session_name)
    api.login(sso_session=session_name)
    found = [a for a in api.accounts(sso_session=session_name) if a.profile is None]
    if not found:
        print("Every account and role you have already has a profile.")
        return
    words = (_ask("Filter the list (account or role; empty for all)") or "").lower().split()
    shown = [a for a in found
             if all(w in f"{a.account_name} {a.account_id} {a.role_name}".lower()
                    for w in words)]
    for number, access in enumerate(shown, 1):
        print(f"{number:>4}  {access.account_name} ({access.account_id})  {access.role_name}")
    picked = _ask("Add which (numbers, comma separated; empty for none)") or ""
    numbers = [int(i) for i in picked.replace(" ", "").split(",")
               if i.isdigit() and 1 <= int(i) <= len(shown)]
    if not numbers:
        print("No profile added.")
        return  # nothing to ask a default region for
    region = _ask_until("Default client Region", "us-east-1", check_region)
    output = _ask("CLI default output format", "json") or "json"
    chosen: dict[str, dict[str, str]] = {}
    for number in numbers:
        access = shown[number - 1]
        suggested = profile_name(access.role_name, access.account_id)
        name = _ask("Profile name", suggested) or suggested
        chosen[name] = profile_values(session, access.account_id, access.role_name,
                                      region=region, output=output)
    write(session, chosen, runtime=runtime)  # checked first: no name taken by another profile
    for name in chosen:
        print(f"Added [profile {name}].")


def _config() -> AwsConfig:
    return load_config(Runtime())


def _has_default_profile() -> bool:
    return Runtime().profile_name(None) in _config().profiles


if __name__ == "__main__":
    raise SystemExit(main())
