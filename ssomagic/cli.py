"""The `ssomagic` console script: the same engine as the notebook, rendered as text.

On failure it prints one line saying what went wrong and what to do, and exits non-zero;
never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from . import __version__, api
from .engine.config import AwsConfig, load_config
from .engine.errors import SsoMagicError
from .engine.runtime import Runtime


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
    login.add_argument("--force", action="store_true", help="start a new sign-in even if "
                       "a valid token is cached")
    login.add_argument("--sso-session", metavar="NAME", help="sign in to this sso-session "
                       "alone, as `aws sso login --sso-session NAME` (no profile needed)")

    logout = commands.add_parser("logout", help="sign out, as `aws sso logout` does",
                                 description="Sign out of the profile's sso-session, or of all.")
    logout.add_argument("profile", nargs="?", metavar="PROFILE")
    logout.add_argument("--all", action="store_true", help="sign out of every sso-session")
    logout.add_argument("--sso-session", metavar="NAME", help="sign out of this sso-session")

    whoami = commands.add_parser("whoami", help="show the account, role and ARN in use")
    whoami.add_argument("profile", nargs="?", metavar="PROFILE")

    commands.add_parser("profiles", help="list the SSO profiles in the config")

    status = commands.add_parser("status", help="show whether sessions are signed in")
    status.add_argument("profile", nargs="?", metavar="PROFILE")
    status.add_argument("--all", action="store_true", help="every sso-session in the config")
    status.add_argument("--sso-session", metavar="NAME", help="this sso-session")

    emulator = commands.add_parser(
        "emulator", help="run a local IAM Identity Center for demos and tests",
        description="Serve sso-oidc, the access portal and STS on loopback. Point the AWS CLI, "
                    "boto3 and ssomagic at it with the printed AWS_ENDPOINT_URL_* variables.")
    emulator.add_argument("--host", default="127.0.0.1",
                          help="address to listen on (default: 127.0.0.1, loopback only)")
    emulator.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    emulator.add_argument("--org", metavar="FILE", help="JSON file of accounts, roles and user")
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
    org = Org.load(args.org) if args.org else None
    emulator = Emulator(org, settings, host=args.host, port=args.port)
    print(f"IAM Identity Center emulator on {emulator.url}")
    for name, value in emulator.endpoint_env().items():
        print(f"export {name}={value}")
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "emulator":
            return _run_emulator(args)
        if args.command == "login":
            api.login(args.profile, sso_session=args.sso_session, force=args.force)
        elif args.command == "logout":
            print(api.logout(args.profile, sso_session=args.sso_session, all=args.all))
        elif args.command == "whoami":
            print(api.whoami(args.profile))
        elif args.command == "profiles":
            if not api.profiles():
                print(f"ssomagic: {_config().nothing_to_sign_in_to}", file=sys.stderr)
            for profile in api.profiles():
                sso = profile.sso
                role = f"{profile.account_id}/{profile.role_name}" if profile.has_role else "-"
                print(f"{profile.name}\t{role}\t{profile.region or '-'}\t"
                      f"{sso.label if sso else '-'}")
        elif args.command == "status":
            found = api.sessions() if args.all or (
                args.profile is None and args.sso_session is None
                and not _has_default_profile()) else [
                api.status(args.profile, sso_session=args.sso_session)]
            if not found:
                print(f"ssomagic: {_config().nothing_to_sign_in_to}", file=sys.stderr)
            for entry in found:
                print(entry)
    except SsoMagicError as exc:
        print(f"ssomagic: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ssomagic: Sign-in cancelled.", file=sys.stderr)
        return 130
    return 0


def _config() -> AwsConfig:
    return load_config(Runtime())


def _has_default_profile() -> bool:
    return Runtime().profile_name(None) in _config().profiles


if __name__ == "__main__":
    raise SystemExit(main())
