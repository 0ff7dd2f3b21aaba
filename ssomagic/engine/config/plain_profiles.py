"""Profiles whose credentials come from elsewhere than a sign-in (static keys, a
credential_process, `aws login`, web identity): botocore resolves them as the AWS CLI does;
ssomagic binds them, asks STS who they are and exports them, and says plainly that there is
nothing to sign in to."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..aws import gateway
from ..aws.clients import botocore_session, client_config
from ..errors import NotSignedInError
from ..runtime import Runtime
from .read import PlainProfile


def boto3_session(profile: PlainProfile) -> Any:
    import boto3

    return boto3.Session(botocore_session=botocore_session(profile.name),
                         region_name=profile.region or None)


def nothing_to_sign_in(profile: PlainProfile) -> str:
    return (f"{profile.name} gets its credentials from {profile.how}, not from an IAM "
            "Identity Center sign-in: there is nothing to sign in to for it.")


def credentials(profile: PlainProfile) -> tuple[str, str, str | None, datetime | None]:
    """(access key, secret key, session token, expiry), as botocore resolves them."""
    found = boto3_session(profile).get_credentials()
    if found is None:
        error = NotSignedInError(f"botocore found no credentials for {profile.name} "
                                 f"({profile.how}).", "Check that profile's section.")
        error.profile = profile.name
        raise error
    frozen = found.get_frozen_credentials()
    expiry = getattr(found, "_expiry_time", None)
    if isinstance(expiry, datetime) and expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=timezone.utc)
    return frozen.access_key, frozen.secret_key, frozen.token, expiry


def caller(profile: PlainProfile, runtime: Runtime) -> tuple[dict[str, Any], datetime | None]:
    """GetCallerIdentity through the profile's own credentials, and when they expire."""
    region = profile.region or "us-east-1"
    session = boto3_session(profile)
    sts = session.client("sts", region_name=region, config=client_config(region))
    target = gateway.Target("sts", region, profile.name, profile.name)
    answer = gateway.call(sts.get_caller_identity, {}, doing="say who you are", target=target,
                          runtime=runtime)
    expiry = getattr(session.get_credentials(), "_expiry_time", None)
    return answer, expiry if isinstance(expiry, datetime) else None
