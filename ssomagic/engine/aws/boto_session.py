"""boto3 Sessions for SSO profiles.

The Session is a plain boto3 Session on a botocore session for the profile (so region, retries,
`[services]` endpoints and every other profile setting apply), with one change: its credentials
come from ssomagic's SSO provider. That provider shares role credentials with the AWS CLI
through ~/.aws/cli/cache, finds the caches under the Runtime's HOME, and refetches as soon as
a new sign-in happens, so clients made before the sign-in recover without a kernel restart.

A chained profile (`role_arn` over `source_profile`) assumes its role with STS using the
source's Session, made the same way, so the chain's root is ssomagic's SSO provider and every
link refreshes as botocore refreshes an assumed role (`role_session_name`, `external_id` and
`duration_seconds` are honoured as botocore honours them).
"""

from __future__ import annotations

from typing import Any

from ..access.role_credentials import refreshable_credentials
from ..config.read import PlainProfile, Profile
from ..errors import ConfigError, NoAccessError
from ..runtime import Runtime
from . import gateway
from .clients import botocore_session, client_config

REFUSALS = frozenset({"AccessDenied", "ValidationError"})  # STS's words for a chain refused


def _assumed_credentials(profile: Profile, runtime: Runtime) -> Any:
    """Credentials that AssumeRole on first use and again near expiry, through the gateway
    (its retries, the action's deadline), as botocore's assume-role provider does."""
    from botocore.credentials import DeferredRefreshableCredentials

    assert profile.source is not None and profile.role_arn is not None
    source = boto3_session(profile.source, runtime)
    region = source.region_name or profile.sso.region
    params: dict[str, Any] = {"RoleArn": profile.role_arn, "RoleSessionName": profile.values.get(
        "role_session_name") or f"ssomagic-{int(runtime.now().timestamp())}"}
    if profile.values.get("external_id"):
        params["ExternalId"] = profile.values["external_id"]
    if profile.values.get("duration_seconds"):
        params["DurationSeconds"] = int(profile.values["duration_seconds"])
    target = gateway.Target("sts", region, profile.sso.label, profile.name)
    doing = f"assume {profile.role_arn} for profile {profile.name}"

    def assume() -> dict[str, Any]:
        from botocore.exceptions import ClientError

        sts = source.client("sts", region_name=region, config=client_config(region))
        try:
            answer = gateway.call(sts.assume_role, params, doing=doing, target=target,
                                  runtime=runtime, handled=REFUSALS)
        except ClientError as exc:
            if gateway.error_code(exc) == "ValidationError":
                raise ConfigError.assume_refused(
                    profile, str(exc.response.get("Error", {}).get("Message", ""))) from None
            raise NoAccessError.to_assume(profile) from None
        found = gateway.expect(answer, "Credentials", doing=doing, target=target)
        creds = gateway.expect(found["Credentials"], "AccessKeyId", "SecretAccessKey",
                               "SessionToken", "Expiration", doing=doing, target=target)
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"], "expiry_time": creds["Expiration"].isoformat()}

    return DeferredRefreshableCredentials(method="assume-role", refresh_using=assume,
                                          time_fetcher=runtime.now)


def boto3_session(profile: Profile, runtime: Runtime | None = None) -> Any:
    import boto3
    from botocore.credentials import CredentialProvider, CredentialResolver

    run: Runtime = runtime or Runtime()

    class SsoProvider(CredentialProvider):
        # botocore's DEBUG log names the provider it asks; the credentials carry their own
        # method ("sso", "assume-role"), which is what botocore reports of them.
        METHOD = CANONICAL_NAME = "ssomagic"

        def load(self) -> Any:
            if profile.role_arn is not None:
                return _assumed_credentials(profile, run)
            return refreshable_credentials(profile, run)

    core = botocore_session(profile.name, run.config_file)
    core.register_component("credential_provider", CredentialResolver([SsoProvider()]))
    return boto3.Session(botocore_session=core, region_name=profile.region or None)


def session_for(profile: Profile | PlainProfile, runtime: Runtime | None = None) -> Any:
    """A boto3 Session for any profile: ssomagic's providers for SSO and chained profiles,
    botocore's own for plain ones (static keys, a credential_process...)."""
    if isinstance(profile, PlainProfile):
        from ..config.plain_profiles import boto3_session as plain_session

        return plain_session(profile, runtime or Runtime())
    return boto3_session(profile, runtime)
