"""Role credentials in the formats of `aws configure export-credentials`, for tools that
cannot read SSO profiles: `credential_process = ssomagic export-credentials --profile P` serves
any SDK (Spark, dbt, older SDKs), and `eval "$(ssomagic export-credentials --format env)"` a
shell. Credentials come from the shared CLI cache, refetched near expiry, as for boto3.
"""

from __future__ import annotations

from ..config.read import PlainProfile, Profile
from ..files.cached_credentials import expiry_iso
from ..runtime import Runtime
from .export_formats import FORMATS, LINE_FORMATS, VARIABLES, formatted
from .role_credentials import RoleCredentialFetcher

__all__ = ["FORMATS", "LINE_FORMATS", "VARIABLES", "export_credentials"]


def export_credentials(profile: Profile | PlainProfile, fmt: str,
                       runtime: Runtime | None = None) -> str:
    """The profile's role credentials as ``fmt`` prints them; raises if not signed in. A plain
    profile's are botocore's, as `aws configure export-credentials` exports them."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if isinstance(profile, PlainProfile):
        from ..config.plain_profiles import credentials

        key, secret, token, expiry = credentials(profile, runtime or Runtime())
        return formatted(fmt, key, secret, token, expiry.isoformat() if expiry else None)
    profile.require_role("credentials to export")
    if profile.role_arn is not None:  # a chain: STS's assumed-role credentials
        from ..aws.boto_session import boto3_session

        assumed = boto3_session(profile, runtime).get_credentials()
        frozen = assumed.get_frozen_credentials()
        expiration = assumed._expiry_time.isoformat()
        values = (frozen.access_key, frozen.secret_key, frozen.token, expiration)
    else:
        creds = RoleCredentialFetcher(profile, runtime).fetch()
        expiration = expiry_iso(creds["expiry_time"])
        values = (creds["access_key"], creds["secret_key"], creds["token"], expiration)
    return formatted(fmt, *values)
