"""The OIDC client registration: reused from the cache, as the CLI does, until 15 minutes before
it expires; registered anew when missing, expiring, or no longer known to the server.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from . import clients
from .config import SsoSession
from .retry import with_retries
from .runtime import Runtime
from .token_cache import Registration, TokenCache

REUSE_MARGIN = timedelta(minutes=15)


def client_name(session: SsoSession, now: datetime) -> str:
    """The CLI's clientName: per session name, or per timestamp for a legacy profile."""
    return f"botocore-client-{session.name or int(now.timestamp())}"


def ensure_registration(session: SsoSession, *, runtime: Runtime, profile: str | None = None,
                        fresh: bool = False) -> Registration:
    cache = TokenCache(runtime)
    now = runtime.now()
    if not fresh:
        cached = cache.load_registration(session)
        if cached is not None and cached.expires_at - now > REUSE_MARGIN:
            return cached
    oidc = clients.client("sso-oidc", session.region, profile)
    request: dict[str, object] = {"clientName": client_name(session, now), "clientType": "public"}
    if session.scopes:
        request["scopes"] = list(session.scopes)
    answer = with_retries(lambda: oidc.register_client(**request), sleep=runtime.wait)
    registration = Registration(
        client_id=answer["clientId"],
        client_secret=answer["clientSecret"],
        expires_at=datetime.fromtimestamp(answer["clientSecretExpiresAt"], timezone.utc),
        scopes=session.scopes,
    )
    cache.save_registration(session, registration)
    return registration
