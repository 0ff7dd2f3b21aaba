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

from .. import __version__, api
from ..engine.access.accounts import as_json
from ..engine.config.read import AwsConfig, load_config
from ..engine.errors import NothingToSignInError, SsoMagicError
from ..engine.runtime import Runtime
from ..notebook.render import ACCOUNTS_HEADER, account_rows, table_text
from .text import ProgressLine


def _parser() -> argparse.ArgumentParser:
    """Made from the table %sso is made from (commands.py): one description, two front ends."""
    from ..commands import build_console_parser

    return build_console_parser(__version__)


def _run_emulator(args: argparse.Namespace) -> int:
    from ..emulator import Emulator, Org, Settings

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
    from ..engine.access.resolve import resolve_profile
    from ..engine.binding.use import shell_lines, usable
    from ..engine.timing import format_duration

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
        if args.command == "completion":
            from ..commands import BASH_COMPLETION, console_candidates

            print("\n".join(console_candidates(args.line, Runtime())) if args.line is not None
                  else BASH_COMPLETION, end="\n" if args.line is not None else "")
            return 0
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
            print(as_json(access) if args.json else table_text(ACCOUNTS_HEADER,
                                                                 account_rows(access)))
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
            from ..secret_check import main as check_main

            return check_main(args.notebooks, fix_them=args.fix)
        elif args.command == "onboarding":
            from ..onboarding import Organisation, onboarding, write

            org = Organisation.checked(args.start_url, region=args.region, session=args.session,
                                       accounts=args.account,
                                       profile_template=args.profile_template, title=args.title)
            print(f"Wrote {write(onboarding(org), Path(args.output), force=args.force)}.")
        elif args.command == "notebooks":
            from ..onboarding import copy_shipped

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
    from ..engine.errors import ConfigError

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
    from ..engine.config import start_url as urls
    from ..engine.config.configure import parse_scopes
    from ..engine.errors import ConfigError

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
    from ..engine.config.configure import profile_values, write
    from ..engine.config.names import profile_name
    from ..engine.config.start_url import check_region

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
