"""One-click sign-in: the OAuth authorization code flow with PKCE, as AWS CLI 2.22+ signs in to
an sso-session profile. No code to compare: the browser opens the authorize page, the person
allows access, and the browser comes back to a listener on this machine's loopback.

Registered as the CLI registers (grantTypes authorization_code and refresh_token, its redirect
URI, the start URL as issuer) in the same cache file under the same key, so `aws sso login`
and ssomagic reuse each other's registration. S256 challenge, a fresh state checked on return,
CreateToken with the code and the verifier, and the same token file as a device flow writes.
The verifier, the state and the code are credentials for a moment: kept in memory only,
never in an event, a log record or a repr. It works only where the browser can reach the
listener, which is why flow_choice decides when to use it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from ..advice import command
from ..aws import clients, gateway
from ..config.read import SsoSession
from ..errors import LoginCancelledError, LoginFailedError, ServiceError
from ..events import BrowserSignIn, Failed, Listener, SignedIn, StillWaiting, ignore
from ..files.token_cache import CachedToken, Registration
from ..runtime import Runtime
from .callback_listener import CallbackListener, Page
from .device_flow import save_token_answer
from .registration import DEFAULT_SCOPES, ensure_registration

VERIFIER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
# The CLI waits 10 minutes for the browser to come back; the countdown says how long is left.
WAIT = timedelta(minutes=10)
TICK = 1.0
AUTHORIZE = "start the sign-in"
REDEEM = "finish the sign-in"


def verifier() -> str:
    return "".join(secrets.choice(VERIFIER_ALPHABET) for _ in range(64))


def challenge(of: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(of.encode()).digest()).decode().rstrip("=")


def plain_page(title: str, text: str) -> str:
    """A page without a renderer (tests): text only, escaped."""
    from html import escape

    return f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>" \
           f"<p>{escape(text)}</p>"


class PkceFlow:
    def __init__(self, session: SsoSession, *, runtime: Runtime | None = None,
                 listener: Listener = ignore, profile: str | None = None,
                 cancel_event: threading.Event | None = None, page: Page = plain_page,
                 open_browser: Callable[[str], bool] | None = None) -> None:
        self.session = session
        self.runtime = runtime or Runtime()
        self.listener = listener
        self.profile = profile
        self.page = page
        self.open_browser = open_browser
        self._cancel = cancel_event or threading.Event()
        self._callback: CallbackListener | None = None
        self.target = gateway.Target("sso-oidc", session.region, session.label, profile)

    def __repr__(self) -> str:
        return f"PkceFlow(session={self.session.label!r})"

    def cancel(self) -> None:
        self._cancel.set()

    def paste(self, url: str) -> bool:
        """Finish with the address the browser was sent to, pasted by hand (the browser could
        not reach this machine's loopback): True when it is this sign-in's."""
        callback = self._callback
        return callback is not None and callback.offer(url)

    def run(self) -> CachedToken:
        try:
            token = self._run()
        except KeyboardInterrupt:
            self._cancel.set()
            self._fail("cancelled", LoginCancelledError().message)
            raise
        except LoginFailedError as exc:
            self._fail(exc.reason, str(exc))
            raise
        except ServiceError as exc:
            self._fail("error", str(exc))
            raise
        self.listener(SignedIn(self.session.label, token.expires_at))
        return token

    def _fail(self, reason: str, message: str) -> None:
        self.listener(Failed(self.session.label, reason, message))

    def _run(self) -> CachedToken:
        deadline = gateway.Deadline(self.runtime)
        registration = ensure_registration(self.session, runtime=self.runtime,
                                           profile=self.profile, deadline=deadline,
                                           cancel=self._cancel, pkce=True)
        oidc = clients.client("sso-oidc", self.session.region, self.profile,
                              config_file=self.runtime.config_file)
        secret, state = verifier(), str(uuid.uuid4())
        callback = self._callback = CallbackListener(state, self.page).start()
        try:
            url = self._authorize_url(oidc, registration, callback.redirect_uri,
                                      challenge(secret), state)
            expires_at = self.runtime.now() + WAIT
            opened = bool(self.open_browser and self.open_browser(url))
            self.listener(BrowserSignIn(self.session.label, url, expires_at, opened))
            answer = self._wait(callback, expires_at)
            redirect = callback.redirect_uri
        finally:
            callback.close()
            self._callback = None
        if answer.error is not None:
            denied = answer.error == "access_denied"
            raise LoginFailedError(
                "Sign-in was denied on the sign-in page." if denied else
                f"IAM Identity Center did not sign you in ({answer.error}).",
                "Run login again and choose Allow." if denied else
                "Run login again; if it keeps failing, sign in with a device code "
                "(--use-device-code).", reason="denied" if denied else "error")
        assert answer.code is not None
        return self._redeem(oidc, registration, answer.code, secret, redirect)

    def _authorize_url(self, oidc: Any, registration: Registration, redirect_uri: str,
                       code_challenge: str, state: str) -> str:
        base = str(getattr(oidc.meta, "endpoint_url", "")).rstrip("/")
        scopes = " ".join(self.session.scopes or registration.scopes or DEFAULT_SCOPES)
        query = urlencode({"response_type": "code", "client_id": registration.client_id,
                           "redirect_uri": redirect_uri, "state": state,
                           "code_challenge_method": "S256", "scopes": scopes,
                           "code_challenge": code_challenge})
        return f"{base}/authorize?{query}"

    def _wait(self, callback: CallbackListener, expires_at: Any) -> Any:
        while True:
            if self._cancel.is_set():
                raise LoginCancelledError()
            left = (expires_at - self.runtime.now()).total_seconds()
            if left <= 0:
                raise LoginFailedError(
                    "The browser did not come back within 10 minutes.",
                    "Sign in again; where the browser cannot reach this machine, with a device "
                    f"code: {command('login --use-device-code')}.",
                    reason="expired")
            if callback.wait(min(TICK, left)) and callback.answer is not None:
                return callback.answer
            self.listener(StillWaiting(self.session.label, max(0.0, left - TICK)))

    def _redeem(self, oidc: Any, registration: Registration, code: str, secret: str,
                redirect_uri: str) -> CachedToken:
        from botocore.exceptions import ClientError

        try:
            answer = gateway.call(oidc.create_token, {
                "grantType": "authorization_code", "clientId": registration.client_id,
                "clientSecret": registration.client_secret, "redirectUri": redirect_uri,
                "codeVerifier": secret, "code": code,
            }, doing=REDEEM, target=self.target, runtime=self.runtime, cancel=self._cancel,
                handled=frozenset({"InvalidGrantException"}))
        except ClientError:  # a code used, expired or not this verifier's
            raise LoginFailedError(
                "IAM Identity Center did not take the code the browser brought back "
                "(invalid_grant).", "Run login again.", reason="error") from None
        return save_token_answer(answer, self.session, registration, runtime=self.runtime,
                                 target=self.target, doing=REDEEM)
