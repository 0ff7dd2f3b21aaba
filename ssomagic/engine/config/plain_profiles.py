"""Profiles whose credentials come from elsewhere than a sign-in (static keys, a
credential_process, `aws login`, web identity): botocore resolves them as the AWS CLI does;
ssomagic binds them, asks STS who they are and exports them, and says plainly that there is
nothing to sign in to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..aws import gateway
from ..aws.clients import botocore_session, client_config
from ..errors import NotSignedInError
from ..runtime import Runtime
from .read import PlainProfile


def boto3_session(profile: PlainProfile, runtime: Runtime) -> Any:
    import boto3

    core = botocore_session(profile.name, runtime.config_file, runtime.credentials_file)
    return boto3.Session(botocore_session=core, region_name=profile.region or None)


def nothing_to_sign_in(profile: PlainProfile) -> str:
    return (f"{profile.name} gets its credentials from {profile.how}, not from an IAM "
            "Identity Center sign-in: there is nothing to sign in to for it.")


def _resolved(profile: PlainProfile, runtime: Runtime) -> tuple[Any, Any]:
    """The profile's boto3 session and its credentials, resolved once (see `current`)."""
    from botocore.exceptions import BotoCoreError

    session = boto3_session(profile, runtime)
    try:
        found = session.get_credentials()
    except BotoCoreError as exc:  # a credential_process runs as its provider loads
        raise _unusable(profile, " ".join(str(exc).split()).rstrip(".")) from None
    if found is None:
        raise _unusable(profile, "botocore found none")
    current(profile, found)
    return session, found


def resolved_credentials(profile: PlainProfile, runtime: Runtime) -> Any:
    """The profile's credentials as botocore resolves them, refreshing as botocore does
    (pass them to `current` for keys)."""
    return _resolved(profile, runtime)[1]


def current(profile: PlainProfile, found: Any) -> Any:
    """``found``'s frozen credentials, refreshed when due. A provider botocore cannot run (a
    credential_process that fails, an Expiration without a time zone, a provider that needs
    botocore[crt]) is one line naming the profile, not a traceback."""
    from botocore.exceptions import BotoCoreError

    try:
        return found.get_frozen_credentials()
    except BotoCoreError as exc:
        raise _unusable(profile, " ".join(str(exc).split()).rstrip(".")) from None
    except TypeError:  # botocore compares the expiry with its UTC clock: a naive one fails
        raise _unusable(profile, "the expiry it gave has no time zone (end it with Z)"
                        ) from None


def _unusable(profile: PlainProfile, why: str) -> NotSignedInError:
    error = NotSignedInError(f"No credentials for {profile.name} from {profile.how}: {why}.",
                             "Check that profile's section.")
    error.profile = profile.name
    return error


def credentials(profile: PlainProfile, runtime: Runtime
                ) -> tuple[str, str, str | None, datetime | None]:
    """(access key, secret key, session token, expiry), as botocore resolves them."""
    _, found = _resolved(profile, runtime)
    frozen = current(profile, found)
    expiry = getattr(found, "_expiry_time", None)  # aware: botocore refused a naive one
    return frozen.access_key, frozen.secret_key, frozen.token, expiry


def caller(profile: PlainProfile, runtime: Runtime) -> tuple[dict[str, Any], datetime | None]:
    """GetCallerIdentity through the profile's own credentials, and when they expire."""
    region = profile.region or "us-east-1"
    session, found = _resolved(profile, runtime)
    sts = session.client("sts", region_name=region, config=client_config(region))
    target = gateway.Target("sts", region, profile.name, profile.name)
    answer = gateway.call(sts.get_caller_identity, {}, doing="say who you are", target=target,
                          runtime=runtime)
    expiry = getattr(found, "_expiry_time", None)
    return answer, expiry if isinstance(expiry, datetime) else None
