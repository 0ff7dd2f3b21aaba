"""boto3 Sessions for SSO profiles.

The Session is a plain boto3 Session on a botocore session for the profile (so region, retries,
`[services]` endpoints and every other profile setting apply), with one change: its credentials
come from ssomagic's SSO provider. That provider shares role credentials with the AWS CLI
through ~/.aws/cli/cache, finds the caches under the Runtime's HOME, and refetches as soon as
a new sign-in happens, so clients made before the sign-in recover without a kernel restart.
"""

from __future__ import annotations

from typing import Any

from .clients import botocore_session
from .config import Profile
from .role_credentials import refreshable_credentials
from .runtime import Runtime


def boto3_session(profile: Profile, runtime: Runtime | None = None) -> Any:
    import boto3
    from botocore.credentials import CredentialProvider, CredentialResolver

    runtime = runtime or Runtime()

    class SsoProvider(CredentialProvider):
        METHOD = "sso"
        CANONICAL_NAME = "sso"

        def load(self) -> Any:
            return refreshable_credentials(profile, runtime)

    core = botocore_session(profile.name)
    core.register_component("credential_provider", CredentialResolver([SsoProvider()]))
    return boto3.Session(botocore_session=core, region_name=profile.region or None)
