"""A boto3 Session for an SSO profile whose credentials botocore itself fetches and refreshes.

botocore's own SSOProvider and SSOTokenProvider do the work, so credentials, token refresh and
every file written are botocore's. Two things are set the way the AWS CLI sets them: role
credentials are cached in ~/.aws/cli/cache (shared with `aws`), and both caches are found under
the Runtime's HOME, which botocore otherwise fixes when it is first imported.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .clients import botocore_session
from .config import Profile
from .runtime import Runtime
from .token_cache import format_time


def _dumps(document: Any) -> str:
    return json.dumps(document, default=lambda v: format_time(v) if isinstance(v, datetime)
                      else v)


def boto3_session(profile: Profile, runtime: Runtime | None = None) -> Any:
    import boto3
    from botocore.credentials import SSOProvider
    from botocore.tokens import SSOTokenProvider
    from botocore.utils import JSONFileCache

    runtime = runtime or Runtime()
    core = botocore_session(profile.name)
    token_cache = JSONFileCache(str(runtime.sso_cache_dir), dumps_func=_dumps)
    provider = SSOProvider(
        load_config=lambda: core.full_config,
        client_creator=core.create_client,
        profile_name=profile.name,
        cache=JSONFileCache(str(runtime.cli_cache_dir)),
        token_cache=token_cache,
        token_provider=SSOTokenProvider(core, cache=token_cache, profile_name=profile.name,
                                        time_fetcher=runtime.now),
    )
    resolver = core.get_component("credential_provider")
    methods = [p.METHOD for p in resolver.providers]
    resolver.providers[methods.index("sso")] = provider
    return boto3.Session(botocore_session=core, region_name=profile.region or None)
