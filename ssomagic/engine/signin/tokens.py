"""The token for an sso-session, refreshed the way botocore's SSOTokenProvider refreshes it.

Within 15 minutes of expiry, and with refreshToken, clientId, clientSecret and an unexpired
registrationExpiresAt in the cache file, CreateToken(grant_type=refresh_token) replaces the
file with exactly what botocore would write, so ssomagic, boto3 and the AWS CLI can take
turns refreshing the same file.

Across processes the session's file lock decides who refreshes, with botocore's two windows:
in the advisory one (15 minutes) a process that does not get the lock carries on with the
token it has, which is still valid; in the mandatory one (10 minutes) it waits, with a
deadline, for the winner and reads the token the winner wrote. Refresh tokens rotate, so the
file is read again under the lock: refreshing with a token another process already used
would be refused.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import datetime, timedelta

from ..aws import clients, gateway
from ..config.read import Profile, SsoSession
from ..errors import ServiceError, TokenRejectedError
from ..files import rejections
from ..files.session_lock import SessionLock
from ..files.token_cache import CachedToken, TokenCache, parse_time, token_document
from ..runtime import Runtime
from ..timing import (
    ACTION_DEADLINE,
    MANDATORY_REFRESH_WINDOW,
    REFRESH_ATTEMPT_EVERY,
    REFRESH_WINDOW,
)

log = logging.getLogger("ssomagic")
DOING = "renew the sign-in"


class RefreshPacer:
    """At most one refresh attempt a minute per token file, as botocore paces itself.

    The minute counts from when the last attempt ended, not began: an attempt the gateway
    retried to its deadline takes most of a minute, and a second one straight after it, in
    the same user action, would double that action's wait.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, datetime] = {}  # one entry per sso-session this process uses

    def may_attempt(self, key: str, now: datetime) -> bool:
        with self._lock:
            last = self._last.get(key)
            if last is not None and timedelta(0) <= now - last < REFRESH_ATTEMPT_EVERY:
                return False
            self._last[key] = now
            return True

    def ended(self, key: str, now: datetime) -> None:
        with self._lock:
            self._last[key] = now


_pacer = RefreshPacer()


def refresh(session: SsoSession, token: CachedToken, *, runtime: Runtime,
            profile: str | None = None) -> CachedToken | None:
    """A refreshed token written to the cache, or None when it cannot be refreshed now.

    Transient failures are retried by the gateway; what is left is logged, not raised: the
    caller still has the current token, and decides whether that is enough.
    """
    if not token.refreshable:
        return None
    try:
        if parse_time(str(token.data["registrationExpiresAt"])) <= runtime.now():
            log.info("The registration for %s expired; a new sign-in is needed.", session.label)
            return None
    except (ValueError, OverflowError):
        return None
    target = gateway.Target("sso-oidc", session.region, session.label, profile)
    oidc = clients.client("sso-oidc", session.region, profile,
                          config_file=runtime.config_file)
    try:
        answer = gateway.expect(gateway.call(oidc.create_token, {
            "grantType": "refresh_token",
            "clientId": token.data["clientId"],
            "clientSecret": token.data["clientSecret"],
            "refreshToken": token.data["refreshToken"],
        }, doing=DOING, target=target, runtime=runtime), "accessToken", "expiresIn",
            doing=DOING, target=target)
        expires_at = runtime.now() + timedelta(seconds=float(answer["expiresIn"]))
    except TokenRejectedError as exc:
        latest = TokenCache(runtime).load_token(session)
        if latest is not None and latest.access_token != token.access_token:
            return latest  # another tool renewed it first; its refresh token replaced ours
        log.info("IAM Identity Center refused to renew the sign-in to %s (%s).", session.label,
                 exc.message)
        rejections.remember(session, token.access_token, runtime)
        return None
    except ServiceError as exc:
        if token.remaining(runtime.now()) <= timedelta(0):
            # Nothing else can serve: say this one thing (a transient fault, try again),
            # not "expired, sign in again" after it.
            raise ServiceError(f"Could not renew the sign-in to {session.label}, which has "
                               f"expired: {exc.message}", exc.hint, code=exc.code,
                               fault=exc.fault) from None
        log.info("Could not renew the sign-in to %s yet (it still serves): %s", session.label,
                 exc)
        return None
    except (TypeError, ValueError, OverflowError):  # OverflowError: no date is that far off
        log.warning("Could not renew the sign-in to %s: %s", session.label,
                    gateway.failure_of_answer(target, DOING, "expiresIn"))
        return None
    document = token_document(
        start_url=session.start_url,
        region=session.region,
        access_token=str(answer["accessToken"]),
        expires_at=expires_at,
        client_id=token.data["clientId"],
        client_secret=token.data["clientSecret"],
        registration_expires_at=token.data["registrationExpiresAt"],
        refresh_token=answer.get("refreshToken"),
    )
    path = TokenCache(runtime).save_token(session, document)
    log.info("Renewed the sign-in to %s.", session.label)
    return CachedToken(document, path)


def _renewed(session: SsoSession, token: CachedToken, *, runtime: Runtime,
             profile: str | None, must: bool, wait: bool) -> CachedToken:
    """The token after this process's turn at refreshing it (or another process's)."""
    cache = TokenCache(runtime)
    lock = SessionLock(session, runtime)
    if not lock.try_acquire():
        if not must or not wait:
            return token  # advisory window: the holder refreshes; ours is still good
        patience = max(0.0, min(ACTION_DEADLINE, gateway.current_deadline(runtime).left()))
        if not lock.acquire(timeout=patience):
            log.warning("Waited %.0f s for another process to renew the sign-in to %s.",
                        patience, session.label)
            return cache.load_token(session) or token
    try:
        latest = cache.load_token(session) or token
        if latest.access_token != token.access_token:
            return latest  # another process refreshed first (its refresh token rotated ours)
        key = str(cache.token_path(session))
        if not _pacer.may_attempt(key, runtime.now()):
            return latest
        try:
            return refresh(session, latest, runtime=runtime, profile=profile) or latest
        finally:
            _pacer.ended(key, runtime.now())
    finally:
        lock.release()


def current_token(session: SsoSession, *, runtime: Runtime, profile: str | None = None,
                  min_remaining: timedelta = timedelta(0), wait: bool = True
                  ) -> CachedToken | None:
    """The cached token if it has more than ``min_remaining`` left, refreshing it when due.

    ``wait=False`` is for a sign-in, which waits on the session's lock itself and tells the
    person that another sign-in is running, instead of waiting here in silence.
    """
    token = TokenCache(runtime).load_token(session)
    if token is None or rejections.is_rejected(session, token.access_token, runtime):
        return None
    left = token.remaining(runtime.now())
    if left < max(REFRESH_WINDOW, min_remaining) and token.refreshable:
        must = left < max(MANDATORY_REFRESH_WINDOW, min_remaining)
        # A token that still serves makes the renewal a step the action can do without: it
        # takes only part of the action's deadline, and the calls that need the token keep
        # the rest. One that does not serve needs the renewal, with all the time there is.
        with (gateway.optional_step(runtime) if left > min_remaining
              else contextlib.nullcontext()):
            token = _renewed(session, token, runtime=runtime, profile=profile, must=must,
                             wait=wait)
        if rejections.is_rejected(session, token.access_token, runtime):
            return None
    return token if token.remaining(runtime.now()) > min_remaining else None


def is_signed_in(profile: Profile, runtime: Runtime) -> bool:
    """A usable token for the profile's session (refreshed if due): may touch the network."""
    return current_token(profile.sso, runtime=runtime, profile=profile.name) is not None
