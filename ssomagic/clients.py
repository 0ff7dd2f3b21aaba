"""botocore clients for sso-oidc and the portal, built once and shared across threads.

Every request ssomagic makes goes through a botocore client, so AWS_ENDPOINT_URL_SSO_OIDC,
AWS_ENDPOINT_URL_SSO, `[services]` sections and proxies reach it exactly as they reach the AWS
CLI. botocore's own retries are off: ssomagic retries itself with the injected sleep, so a
cancel interrupts a back-off and tests need not wait.
"""

from __future__ import annotations

import os
import threading
from typing import Any

_ENDPOINT_VARS = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SSO",
                  "AWS_ENDPOINT_URL_STS", "AWS_CONFIG_FILE", "AWS_CA_BUNDLE")
_lock = threading.Lock()
_clients: dict[tuple[Any, ...], Any] = {}
_loader: Any = None

MAX_POOL = 32


def botocore_session(profile: str | None = None) -> Any:
    """A botocore session that shares loaded service models with every other one we make."""
    global _loader
    import botocore.loaders
    import botocore.session

    session = botocore.session.Session(profile=profile)
    if _loader is None:
        _loader = botocore.loaders.create_loader()
    session.register_component("data_loader", _loader)
    return session


def client(service: str, region: str, profile: str | None = None) -> Any:
    """An unsigned client for ``sso-oidc`` or ``sso`` in ``region``, as the CLI builds them."""
    key = (service, region, profile, *(os.environ.get(v) for v in _ENDPOINT_VARS))
    with _lock:
        found = _clients.get(key)
        if found is not None:
            return found
    from botocore import UNSIGNED
    from botocore.config import Config

    config = Config(signature_version=UNSIGNED, region_name=region,
                    retries={"total_max_attempts": 1}, max_pool_connections=MAX_POOL,
                    user_agent_extra="ssomagic")
    made = botocore_session(profile).create_client(service, config=config)
    with _lock:
        return _clients.setdefault(key, made)
