"""The token for an sso-session, refreshed the way botocore's SSOTokenProvider refreshes it.

Within 15 minutes of expiry, and with refreshToken, clientId, clientSecret and an unexpired
registrationExpiresAt in the cache file, CreateToken(grant_type=refresh_token) replaces the
file with exactly what botocore would write, so ssomagic, boto3 and the AWS CLI can take
turns refreshing the same file.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from . import clients
from .config import Profile, SsoSession
from .retry import error_code
from .runtime import Runtime
from .session_lock import SessionLock
from .token_cache import CachedToken, TokenCache, parse_time, token_document

log = logging.getLogger("ssomagic")

REFRESH_WINDOW = timedelta(minutes=15)
ATTEMPT_EVERY = timedelta(minutes=1)

_attempts_lock = threading.Lock()
_last_attempt: dict[str, datetime] = {}


def _may_attempt(key: str, now: datetime) -> bool:
    """At most one refresh attempt a minute per session, as botocore limits itself."""
    with _attempts_lock:
        last = _last_attempt.get(key)
        if last is not None and now - last < ATTEMPT_EVERY:
            return False
        _last_attempt[key] = now
        return True


def refresh(session: SsoSession, token: CachedToken, *, runtime: Runtime,
            profile: str | None = None) -> CachedToken | None:
    """A refreshed token written to the cache, or None when it cannot be refreshed now."""
    if not token.refreshable:
        return None
    now = runtime.now()
    try:
        if parse_time(str(token.data["registrationExpiresAt"])) <= now:
            log.info("Registration for %s expired; a new sign-in is needed.", session.label)
            return None
    except (ValueError, OverflowError):
        return None
    from botocore.exceptions import BotoCoreError, ClientError

    oidc = clients.client("sso-oidc", session.region, profile)
    try:
        answer = oidc.create_token(
            grantType="refresh_token",
            clientId=token.data["clientId"],
            clientSecret=token.data["clientSecret"],
            refreshToken=token.data["refreshToken"],
        )
    except (ClientError, BotoCoreError) as exc:
        log.info("Refreshing the SSO token for %s failed (%s).", session.label,
                 error_code(exc) or type(exc).__name__)
        return None
    document = token_document(
        start_url=session.start_url,
        region=session.region,
        access_token=answer["accessToken"],
        expires_at=runtime.now() + timedelta(seconds=answer["expiresIn"]),
        client_id=token.data["clientId"],
        client_secret=token.data["clientSecret"],
        registration_expires_at=token.data["registrationExpiresAt"],
        refresh_token=answer.get("refreshToken"),
    )
    path = TokenCache(runtime).save_token(session, document)
    log.info("Refreshed the SSO token for %s.", session.label)
    return CachedToken(document, path)


def current_token(session: SsoSession, *, runtime: Runtime, profile: str | None = None,
                  min_remaining: timedelta = timedelta(0)) -> CachedToken | None:
    """The cached token if it has more than ``min_remaining`` left, refreshing it when due.

    Refreshing happens only while no login holds the session's lock; if another process
    refreshed first (refresh tokens rotate), the token it wrote is used.
    """
    cache = TokenCache(runtime)
    token = cache.load_token(session)
    if token is None:
        return None
    now = runtime.now()
    if (token.remaining(now) < max(REFRESH_WINDOW, min_remaining) and token.refreshable
            and _may_attempt(str(cache.token_path(session)), now)):
        lock = SessionLock(session, runtime)
        if lock.try_acquire():
            try:
                latest = cache.load_token(session) or token
                if latest.access_token != token.access_token:
                    token = latest
                else:
                    token = refresh(session, token, runtime=runtime, profile=profile) or latest
            finally:
                lock.release()
    return token if token.remaining(runtime.now()) > min_remaining else None


def is_signed_in(profile: Profile, runtime: Runtime) -> bool:
    """A usable token for the profile's session (refreshed if due): may touch the network."""
    return current_token(profile.sso, runtime=runtime) is not None
