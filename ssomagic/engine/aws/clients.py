"""botocore clients for sso-oidc and the portal, built once and shared across threads.

Every request ssomagic makes goes through a botocore client, so AWS_ENDPOINT_URL_SSO_OIDC,
AWS_ENDPOINT_URL_SSO, `[services]` sections and proxies reach it exactly as they reach the AWS
CLI. botocore's own retries are off: the gateway retries with the injected sleep, so a cancel
interrupts a back-off and tests need not wait. Socket timeouts are short (timing.py): botocore's
60 s default, times its retries, kept a hung endpoint silent for minutes.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import timing
from . import log_redaction

# What botocore reads from the environment when it builds a client, and never again: a kernel
# that changes one (a proxy set after signing in) gets a client built anew.
_ENDPOINT_VARS = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SSO",
                  "AWS_ENDPOINT_URL_STS", "AWS_CONFIG_FILE", "AWS_CA_BUNDLE",
                  "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY",
                  "no_proxy")
MAX_POOL = 32
# Clients are keyed by service, region, profile and endpoint settings; a long-lived kernel that
# visits many of them keeps only the most recent.
MAX_CLIENTS = 32


@dataclass
class _Clients:
    """The process's clients and the one service-model loader they share."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    made: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)
    loader: Any = None


_shared = _Clients()


def client_config(region: str | None = None, *, unsigned: bool = False) -> Any:
    """The botocore Config of every client ssomagic makes: one attempt, bounded timeouts."""
    from botocore import UNSIGNED
    from botocore.config import Config

    extra: dict[str, Any] = {"signature_version": UNSIGNED} if unsigned else {}
    return Config(region_name=region, retries={"total_max_attempts": 1},
                  connect_timeout=timing.CONNECT_TIMEOUT, read_timeout=timing.READ_TIMEOUT,
                  max_pool_connections=MAX_POOL, user_agent_extra="ssomagic", **extra)


def botocore_session(profile: str | None = None, config_file: Path | None = None,
                     credentials_file: Path | None = None) -> Any:
    """A botocore session that shares loaded service models with every other one we make.

    ``config_file`` and ``credentials_file`` are the runtime's: one with a home of its own
    (the demo's, an API caller's) finds its profiles, their client settings and their keys in
    its own files rather than in those $AWS_CONFIG_FILE and $AWS_SHARED_CREDENTIALS_FILE name
    for the process."""
    import botocore.loaders
    import botocore.session

    log_redaction.install()
    session = botocore.session.Session(profile=profile)
    if config_file is not None:
        session.set_config_variable("config_file", str(config_file))
    if credentials_file is not None:
        session.set_config_variable("credentials_file", str(credentials_file))
    with _shared.lock:
        if _shared.loader is None:
            _shared.loader = botocore.loaders.create_loader()
        loader = _shared.loader
    session.register_component("data_loader", loader)
    return session


def http_session(url: str, profile: str | None, *, config_file: Path) -> Any:
    """botocore's HTTP stack for a request no API covers (the console's federation
    endpoint), set up as a client of ``profile`` would be: the proxy the environment names for
    ``url``, the CA bundle (AWS_CA_BUNDLE or the profile's ca_bundle), ssomagic's timeouts."""
    from botocore.httpsession import URLLib3Session
    from botocore.utils import get_environ_proxies

    bundle = botocore_session(profile, config_file).get_config_variable("ca_bundle")
    return URLLib3Session(verify=bundle or True, proxies=get_environ_proxies(url),
                          timeout=(timing.CONNECT_TIMEOUT, timing.READ_TIMEOUT))


def client(service: str, region: str, profile: str | None, *, config_file: Path) -> Any:
    """An unsigned client for ``sso-oidc`` or ``sso`` in ``region``, as the CLI builds them,
    with ``profile``'s client settings from ``config_file`` (the runtime's)."""
    key = (service, region, profile, str(config_file), timing.CONNECT_TIMEOUT,
           timing.READ_TIMEOUT, *(os.environ.get(v) for v in _ENDPOINT_VARS))
    with _shared.lock:
        found = _shared.made.get(key)
        if found is not None:
            _shared.made.move_to_end(key)
            return found
    made = botocore_session(profile, config_file).create_client(
        service, config=client_config(region, unsigned=True))
    with _shared.lock:
        found = _shared.made.setdefault(key, made)
        while len(_shared.made) > MAX_CLIENTS:
            _shared.made.popitem(last=False)
        return found
