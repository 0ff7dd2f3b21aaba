"""Role credentials in the formats of `aws configure export-credentials`, for tools that
cannot read SSO profiles: `credential_process = ssomagic export-credentials --profile P` serves
any SDK (Spark, dbt, older SDKs), and `eval "$(ssomagic export-credentials --format env)"` a
shell. Credentials come from the shared CLI cache, refetched near expiry, as for boto3.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .config import PlainProfile, Profile
from .errors import NotAnSsoProfileError
from .role_credentials import RoleCredentialFetcher
from .runtime import Runtime
from .token_cache import parse_time

VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
             "AWS_CREDENTIAL_EXPIRATION")
LINE_FORMATS: dict[str, Callable[[str, str], str]] = {
    "env": lambda name, value: f"export {name}={value}",
    "env-no-export": lambda name, value: f"{name}={value}",
    "powershell": lambda name, value: f'$Env:{name}="{value}"',
    "windows-cmd": lambda name, value: f"set {name}={value}",
    "fish": lambda name, value: f'set -gx {name} "{value}"',
}
FORMATS = ("process", *LINE_FORMATS)


def export_credentials(profile: Profile | PlainProfile, fmt: str = "process",
                       runtime: Runtime | None = None) -> str:
    """The profile's role credentials as ``fmt`` prints them; raises if not signed in. A plain
    profile's are botocore's, as `aws configure export-credentials` exports them."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if isinstance(profile, PlainProfile):
        from .plain_profiles import credentials

        key, secret, token, expiry = credentials(profile)
        return _formatted(fmt, key, secret, token, expiry.isoformat() if expiry else None)
    if not profile.has_role:
        raise NotAnSsoProfileError(
            f'The profile "{profile.name}" names no sso_account_id and sso_role_name, so it '
            "has no credentials to export.", "Choose a profile with an account and a role.")
    if profile.role_arn is not None:  # a chain: STS's assumed-role credentials
        from .boto_session import boto3_session

        assumed = boto3_session(profile, runtime).get_credentials()
        frozen = assumed.get_frozen_credentials()
        expiration = assumed._expiry_time.isoformat()
        values = (frozen.access_key, frozen.secret_key, frozen.token, expiration)
    else:
        creds = RoleCredentialFetcher(profile, runtime).fetch()
        expiration = parse_time(creds["expiry_time"]).isoformat()
        values = (creds["access_key"], creds["secret_key"], creds["token"], expiration)
    return _formatted(fmt, *values)


def _formatted(fmt: str, key: str, secret: str, token: str | None, expiration: str | None
               ) -> str:
    """As the CLI prints them: keys that do not expire have no token or expiration line."""
    if fmt == "process":
        document: dict[str, object] = {"Version": 1, "AccessKeyId": key,
                                       "SecretAccessKey": secret}
        if token:
            document["SessionToken"] = token
        if expiration:
            document["Expiration"] = expiration
        return json.dumps(document, indent=2)
    line = LINE_FORMATS[fmt]
    values = (key, secret, token, expiration)
    return "\n".join(line(name, value) for name, value in zip(VARIABLES, values, strict=True)
                     if value)
