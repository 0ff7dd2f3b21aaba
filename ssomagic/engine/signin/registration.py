"""The OIDC client registration: reused from the cache, as the CLI does, until 15 minutes before
it expires; registered anew when missing, expiring, no longer known to the server, or made for
the AWS CLI's PKCE login (its grantTypes include authorization_code; since CLI 2.22 both flows
share one cache file and each re-registers over the other's kind).
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from ..aws import clients, gateway
from ..config.read import SsoSession
from ..files.token_cache import Registration, TokenCache
from ..runtime import Runtime
from ..timing import REFRESH_WINDOW

PKCE_GRANT = "authorization_code"
PKCE_GRANTS = ("authorization_code", "refresh_token")
# The CLI registers this redirect URI, without a port; each sign-in adds its listener's port.
PKCE_REDIRECT = "http://127.0.0.1/oauth/callback"
DEFAULT_SCOPES = ("sso:account:access",)


def client_name(session: SsoSession, now: datetime) -> str:
    """The CLI's clientName: per session name, or per timestamp for a legacy profile."""
    return f"botocore-client-{session.name or int(now.timestamp())}"


def reusable(registration: Registration | None, now: datetime, pkce: bool = False) -> bool:
    """Good for this flow: not about to expire, and of its kind. As the CLI does, each flow
    re-registers over a registration of the other kind (they share one cache file)."""
    return (registration is not None and registration.expires_at - now > REFRESH_WINDOW
            and (PKCE_GRANT in (registration.grant_types or ())) == pkce)


def ensure_registration(session: SsoSession, *, runtime: Runtime, profile: str | None = None,
                        fresh: bool = False, deadline: gateway.Deadline | None = None,
                        cancel: threading.Event | None = None, pkce: bool = False
                        ) -> Registration:
    cache = TokenCache(runtime)
    now = runtime.now()
    if not fresh:
        cached = cache.load_registration(session)
        if reusable(cached, now, pkce):
            assert cached is not None
            return cached
    oidc = clients.client("sso-oidc", session.region, profile,
                          config_file=runtime.config_file)
    target = gateway.Target("sso-oidc", session.region, session.label, profile)
    request: dict[str, object] = {"clientName": client_name(session, now), "clientType": "public"}
    scopes = session.scopes or (DEFAULT_SCOPES if pkce else None)
    if scopes:
        request["scopes"] = list(scopes)
    if pkce:  # as AWS CLI 2.22+ registers for its authorization-code sign-in
        request.update(grantTypes=list(PKCE_GRANTS), redirectUris=[PKCE_REDIRECT],
                       issuerUrl=session.start_url)
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
                                expires_at=expires_at,
                                scopes=tuple(scopes) if scopes else None,
                                grant_types=PKCE_GRANTS if pkce else None)
    cache.save_registration(session, registration)
    return registration
