"""The `ssomagic` console script. `credential_process = ssomagic export-credentials --profile P`
starts a process for every SDK client that needs credentials, so that one command answers
from the shared role-credential cache before anything heavy loads (no boto3, no botocore, no
IPython): the same output, in about the time a Python start takes. Everything else, and every
case the cache cannot answer (nothing cached, near expiry, ACCOUNT/ROLE, chained or plain
profiles), goes to the full console in console/cli.py.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["export-credentials"]:
        answer = from_cache(args[1:])
        if answer is not None:
            print(answer)
            return 0
    from .cli import main as full

    return full(args)


def from_cache(args: list[str]) -> str | None:
    """The export, if the cache alone can give it; None to take the full path."""
    import argparse

    from ..engine.access.export_formats import FORMATS

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--profile")
    parser.add_argument("--format", default="process", choices=FORMATS)
    try:
        known, rest = parser.parse_known_args(args)
    except SystemExit:
        return None  # let the full parser say what is wrong
    if rest:
        return None
    from ..engine.config.read import load_config
    from ..engine.errors import SsoMagicError
    from ..engine.files.cached_credentials import cached, expiry_iso
    from ..engine.runtime import Runtime

    runtime = Runtime()
    try:
        profile = load_config(runtime).find(runtime.profile_name(known.profile))
        if profile is None or profile.role_arn is not None or not profile.has_role:
            return None
        creds = cached(profile, runtime)
    except SsoMagicError:
        return None  # the full path says it in its one line
    if creds is None:
        return None
    from ..engine.access.export_formats import formatted

    return formatted(known.format, creds["access_key"], creds["secret_key"], creds["token"],
                     expiry_iso(creds["expiry_time"]))


if __name__ == "__main__":
    raise SystemExit(main())
