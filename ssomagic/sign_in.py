"""Signing in to an sso-session: reuse a valid token, refresh it, or run one device flow.

At most one device flow per sso-session runs at a time across processes. A login that finds
another one in progress waits for it and then uses the token it wrote.
"""

from __future__ import annotations

import threading

from .config import SsoSession
from .device_flow import DeviceFlow
from .events import Listener, SignedIn, WaitingForOtherLogin, ignore
from .runtime import Runtime
from .session_lock import SessionLock
from .token_cache import CachedToken, TokenCache
from .tokens import REFRESH_WINDOW, current_token


class Login:
    """One sign-in. ``run()`` blocks until signed in; ``cancel()`` may be called from any thread."""

    def __init__(self, session: SsoSession, *, runtime: Runtime | None = None,
                 listener: Listener = ignore, profile: str | None = None,
                 force: bool = False) -> None:
        self.session = session
        self.runtime = runtime or Runtime()
        self.listener = listener
        self.profile = profile
        self.force = force
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def _reused(self, token: CachedToken) -> CachedToken:
        self.listener(SignedIn(self.session.label, token.expires_at, reused=True))
        return token

    def run(self) -> CachedToken:
        if not self.force:
            token = current_token(self.session, runtime=self.runtime, profile=self.profile,
                                  min_remaining=REFRESH_WINDOW)
            if token is not None:
                return self._reused(token)
        cache = TokenCache(self.runtime)
        before = cache.load_token(self.session)
        lock = SessionLock(self.session, self.runtime)
        on_wait = lambda: self.listener(WaitingForOtherLogin(self.session.label))  # noqa: E731
        with lock.held(cancel=self._cancel, on_wait=on_wait) as waited:
            if waited:
                token = cache.load_token(self.session)
                fresh = token is not None and (
                    before is None or token.access_token != before.access_token)
                if (token is not None and (fresh or not self.force)
                        and token.remaining(self.runtime.now()) > REFRESH_WINDOW):
                    return self._reused(token)
            flow = DeviceFlow(self.session, runtime=self.runtime, listener=self.listener,
                              profile=self.profile, cancel_event=self._cancel)
            return flow.run()
