"""The OIDC client registration: reused from the cache, as the CLI does, until 15 minutes before
it expires; registered anew when missing, expiring, no longer known to the server, or made for
the AWS CLI's PKCE login (its grantTypes include authorization_code; since CLI 2.22 both flows
share one cache file and each re-registers over the other's kind).
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from . import clients, gateway
from .config import SsoSession
from .runtime import Runtime
from .timing import REFRESH_WINDOW
from .token_cache import Registration, TokenCache

PKCE_GRANT = "authorization_code"


def client_name(session: SsoSession, now: datetime) -> str:
    """The CLI's clientName: per session name, or per timestamp for a legacy profile."""
    return f"botocore-client-{session.name or int(now.timestamp())}"


def reusable(registration: Registration | None, now: datetime) -> bool:
    """Good for a device flow: not about to expire, and not the CLI's PKCE kind."""
    return (registration is not None and registration.expires_at - now > REFRESH_WINDOW
            and PKCE_GRANT not in (registration.grant_types or ()))


def ensure_registration(session: SsoSession, *, runtime: Runtime, profile: str | None = None,
                        fresh: bool = False, deadline: gateway.Deadline | None = None,
                        cancel: threading.Event | None = None) -> Registration:
    cache = TokenCache(runtime)
    now = runtime.now()
    if not fresh:
        cached = cache.load_registration(session)
        if reusable(cached, now):
            assert cached is not None
            return cached
    oidc = clients.client("sso-oidc", session.region, profile)
    target = gateway.Target("sso-oidc", session.region, session.label, profile)
    request: dict[str, object] = {"clientName": client_name(session, now), "clientType": "public"}
    if session.scopes:
        request["scopes"] = list(session.scopes)
    doing = "start the sign-in"
    answer = gateway.expect(
        gateway.call(oidc.register_client, request, doing=doing, target=target,
                     runtime=runtime, deadline=deadline, cancel=cancel),
        "clientId", "clientSecret", "clientSecretExpiresAt", doing=doing, target=target)
    try:
        expires_at = datetime.fromtimestamp(float(answer["clientSecretExpiresAt"]),
                                            timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        raise gateway.failure_of_answer(target, doing, "clientSecretExpiresAt") from None
    registration = Registration(client_id=str(answer["clientId"]),
                                client_secret=str(answer["clientSecret"]),
                                expires_at=expires_at, scopes=session.scopes)
    cache.save_registration(session, registration)
    return registration
