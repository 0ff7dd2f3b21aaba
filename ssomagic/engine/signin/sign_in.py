"""Signing in, owned by the engine: every front end (the API, the console, the magics, the
widgets, the exception panel's button) runs a ``SignIn``, so every path does the same after
a sign-in: the credential generation moves on (clients made earlier pick
up the new sign-in) and, when asked, the profile is bound to the process.

A valid token is reused, or refreshed; otherwise one sign-in flow runs: one click (PKCE)
or a device code, as ``flow`` says (flow_choice.choose decides "auto" from where the browser
is). At most one flow per sso-session runs at a time across processes: a login that finds
another one in progress waits for it and then uses the token it wrote.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..access.portal import Portal
from ..access.role_credentials import new_sign_in
from ..aws import gateway
from ..config.read import Profile, SsoSession
from ..errors import SsoMagicError, TokenRejectedError
from ..events import Event, Listener, SignedIn, WaitingForOtherLogin, ignore
from ..files import rejections
from ..files.session_lock import SessionLock
from ..files.token_cache import CachedToken, TokenCache
from ..runtime import Runtime
from ..timing import REFRESH_WINDOW
from .authorizations import authorizations
from .callback_listener import Page
from .device_flow import DeviceFlow
from .pkce_flow import PkceFlow, plain_page
from .session_status import SessionStatus, session_status
from .tokens import current_token

if TYPE_CHECKING:
    from ..binding.kernel_binding import KernelBinding


@dataclass(frozen=True)
class SignInResult:
    """What the front ends show after a sign-in. Holds no token."""

    session: SsoSession
    profile: Profile | None
    status: SessionStatus
    bound: bool = False
    warnings: tuple[str, ...] = ()  # from binding: static keys that were removed, say

    def __str__(self) -> str:
        return str(self.status)


class SignIn:
    """One sign-in. ``run()`` blocks until signed in; ``cancel()`` may be called from any thread.

    ``target`` is a profile (its sso-session is signed in to) or an sso-session alone. With a
    ``binding`` and a profile that has a role, the profile is bound once signed in.
    """

    def __init__(self, target: Profile | SsoSession, *, runtime: Runtime | None = None,
                 listener: Listener = ignore, force: bool = False,
                 binding: KernelBinding | None = None, flow: str = "device",
                 page: Page | None = None,
                 open_browser: Callable[[str], bool] | None = None) -> None:
        self.profile = target if isinstance(target, Profile) else None
        self.session = target.sso if isinstance(target, Profile) else target
        self.runtime = runtime or Runtime()
        self.listener = listener
        self.force = force
        self.binding = binding
        # "pkce" or "device" (a legacy profile, with no sso-session, always signs in with a
        # device code, as the AWS CLI's does); page renders the browser's page after PKCE.
        self.flow = flow if self.session.name is not None else "device"
        self.page = page
        self.open_browser = open_browser
        self._pkce: PkceFlow | None = None
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def paste(self, url: str) -> bool:
        """A one-click sign-in finished by hand: the address the browser was sent back to
        (shown by a browser that could not reach this machine). True when it was this
        sign-in's (its state matched) and the sign-in goes on with it."""
        flow = self._pkce
        return flow is not None and flow.paste(url)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> SignInResult:
        self._token()
        new_sign_in(self.session)
        bound, warnings = False, tuple[str, ...]()
        if self.binding is not None and self.profile is not None and self.profile.has_role:
            warnings, bound = tuple(self.binding.bind(self.profile)), True
        status = session_status(self.session, self.runtime)
        return SignInResult(self.session, self.profile, status, bound, warnings)

    # ---- the token ----------------------------------------------------------------------

    @property
    def _profile_name(self) -> str | None:
        return self.profile.name if self.profile else None

    def _reused(self, token: CachedToken) -> CachedToken:
        self.listener(SignedIn(self.session.label, token.expires_at, reused=True))
        return token

    def _still_accepted(self, token: CachedToken) -> bool:
        """Unlike `aws sso login`, a valid token is reused, but only one the server still
        takes: an administrator may have ended the session. A refused token is remembered
        (rejections.py) and a new device flow starts; a network fault proves nothing."""
        try:
            Portal(self.session, token.access_token, runtime=self.runtime,
                   profile=self._profile_name).check()
        except TokenRejectedError:
            return False
        except SsoMagicError:
            return True
        return True

    def _token(self) -> CachedToken:
        if not self.force:
            with gateway.action(self.runtime):  # renewing and checking: one minute, no more
                token = current_token(self.session, runtime=self.runtime,
                                      profile=self._profile_name, min_remaining=REFRESH_WINDOW,
                                      wait=False)
                reuse = token is not None and self._still_accepted(token)
            if token is not None and reuse:
                return self._reused(token)
        cache = TokenCache(self.runtime)
        before = cache.load_token(self.session)
        lock = SessionLock(self.session, self.runtime)
        said: list[Event] = []

        def on_wait() -> None:
            """Say once that another sign-in runs, and show its code when it is this
            process's (a re-run cell, a button): the same device flow, one per session."""
            if not said:
                said.append(WaitingForOtherLogin(self.session.label))
                self.listener(said[0])
            code = authorizations.running_code(self.session, self.runtime)
            if code is not None and code not in said:
                said.append(code)
                self.listener(code)

        with lock.held(cancel=self._cancel, on_wait=on_wait) as waited:
            if waited:
                token = cache.load_token(self.session)
                fresh = token is not None and (
                    before is None or token.access_token != before.access_token)
                if (token is not None and (fresh or not self.force)
                        and token.remaining(self.runtime.now()) > REFRESH_WINDOW
                        and not rejections.is_rejected(self.session, token.access_token,
                                                       self.runtime)):
                    return self._reused(token)
            if self.flow == "pkce":
                pkce = self._pkce = PkceFlow(
                    self.session, runtime=self.runtime, listener=self.listener,
                    profile=self._profile_name, cancel_event=self._cancel,
                    page=self.page or plain_page, open_browser=self.open_browser)
                try:
                    return pkce.run()
                finally:
                    self._pkce = None
            flow = DeviceFlow(self.session, runtime=self.runtime, listener=self.listener,
                              profile=self._profile_name, cancel_event=self._cancel)
            return flow.run()

