"""The OAuth device authorization flow (RFC 8628) against IAM Identity Center, with no UI.

Register (or reuse the registration), start the authorization, then poll CreateToken at the
server's interval until the person approves, refuses, or the code expires. Progress goes out
as events; cancel() from another thread or KeyboardInterrupt in this one stops it cleanly.
Unlike the AWS CLI, which polls forever, the flow stops when the code expires.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from functools import partial
from typing import Any

from . import clients
from .config import SsoSession
from .errors import LoginCancelledError, LoginFailedError, ServiceError
from .events import CodeReady, Failed, Listener, SignedIn, StillWaiting, ignore
from .registration import ensure_registration
from .retry import error_code, is_transient, with_retries
from .runtime import Runtime
from .token_cache import CachedToken, Registration, TokenCache, format_time, token_document

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5.0
SLOW_DOWN_STEP = 5.0
MAX_BACKOFF = 30.0


class DeviceFlow:
    def __init__(self, session: SsoSession, *, runtime: Runtime | None = None,
                 listener: Listener = ignore, profile: str | None = None,
                 cancel_event: threading.Event | None = None) -> None:
        self.session = session
        self.runtime = runtime or Runtime()
        self.listener = listener
        self.profile = profile
        self._cancel = cancel_event or threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

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

    def _service_error(self, exc: Exception, doing: str) -> ServiceError:
        """Say whose fault it is: a config that points nowhere, or a service having trouble."""
        from botocore.exceptions import ConnectionError as BotocoreConnectionError

        code = error_code(exc) or type(exc).__name__
        if isinstance(exc, BotocoreConnectionError):
            return ServiceError(
                f"Could not reach IAM Identity Center in {self.session.region} to {doing} "
                f"({code}), even after retrying.",
                "Check the network or proxy, and that sso_region in your config is the "
                "region of your start URL; then sign in again.")
        if is_transient(exc):
            return ServiceError(
                f"IAM Identity Center could not {doing} ({code}), even after retrying.",
                "The service is busy or having trouble; nothing was changed here. Try again "
                "in a moment.")
        return ServiceError(f"IAM Identity Center refused to {doing} ({code}).",
                            "Check sso_start_url and sso_region in your config, then sign in "
                            "again.")

    def _start(self, oidc: Any) -> tuple[dict[str, Any], Registration]:
        from botocore.exceptions import ClientError

        registration = ensure_registration(self.session, runtime=self.runtime,
                                           profile=self.profile)
        for attempt in range(2):
            try:
                answer = with_retries(
                    partial(oidc.start_device_authorization, clientId=registration.client_id,
                            clientSecret=registration.client_secret,
                            startUrl=self.session.start_url),
                    sleep=lambda s: self.runtime.wait(s, self._cancel))
                return answer, registration
            except ClientError as exc:
                if error_code(exc) != "InvalidClientException" or attempt:
                    raise self._service_error(exc, "start the sign-in") from None
                # The server no longer knows the cached registration: register again.
                registration = ensure_registration(self.session, runtime=self.runtime,
                                                   profile=self.profile, fresh=True)
        raise AssertionError("unreachable")

    def _run(self) -> CachedToken:
        from botocore.exceptions import BotoCoreError, ClientError

        oidc = clients.client("sso-oidc", self.session.region, self.profile)
        try:
            auth, registration = self._start(oidc)
        except (ClientError, BotoCoreError) as exc:
            raise self._service_error(exc, "start the sign-in") from None
        interval = float(auth.get("interval") or DEFAULT_INTERVAL)
        started = self.runtime.now()
        deadline = started + timedelta(seconds=auth["expiresIn"])
        self.listener(CodeReady(
            session=self.session.label,
            user_code=auth["userCode"],
            verification_uri=auth["verificationUri"],
            verification_uri_complete=auth.get("verificationUriComplete")
            or f"{auth['verificationUri']}?user_code={auth['userCode']}",
            expires_at=deadline,
            interval=interval,
        ))
        failures = 0
        while True:
            if self.cancelled:
                raise LoginCancelledError()
            if self.runtime.now() >= deadline:
                raise self._expired()
            try:
                answer = oidc.create_token(grantType=DEVICE_GRANT,
                                           clientId=registration.client_id,
                                           clientSecret=registration.client_secret,
                                           deviceCode=auth["deviceCode"])
            except (ClientError, BotoCoreError) as exc:
                code = error_code(exc)
                delay = interval
                if code == "AuthorizationPendingException":
                    failures = 0
                    left = (deadline - self.runtime.now()).total_seconds()
                    self.listener(StillWaiting(self.session.label, max(0.0, left)))
                elif code == "SlowDownException":
                    interval += SLOW_DOWN_STEP
                    delay = interval
                elif code == "ExpiredTokenException":
                    raise self._expired() from None
                elif code == "AccessDeniedException":
                    raise LoginFailedError("Sign-in was denied on the verification page.",
                                           "Run login again and choose Allow.",
                                           reason="denied") from None
                elif is_transient(exc):
                    failures += 1
                    delay = min(MAX_BACKOFF, interval * 2 ** failures)
                else:
                    raise LoginFailedError(
                        f"IAM Identity Center refused the sign-in ({code or type(exc).__name__}).",
                        "Run login again; if it keeps failing, check sso_start_url and "
                        "sso_region.", reason="error") from None
                left = (deadline - self.runtime.now()).total_seconds()
                self.runtime.wait(max(0.0, min(delay, left)), self._cancel)
                continue
            return self._save(answer, registration)

    def _expired(self) -> LoginFailedError:
        return LoginFailedError("The sign-in code expired before it was approved.",
                                "Run login again and approve the new code in time.",
                                reason="expired")

    def _save(self, answer: dict[str, Any], registration: Registration) -> CachedToken:
        document = token_document(
            start_url=self.session.start_url,
            region=self.session.region,
            access_token=answer["accessToken"],
            expires_at=self.runtime.now() + timedelta(seconds=answer["expiresIn"]),
            client_id=registration.client_id,
            client_secret=registration.client_secret,
            registration_expires_at=format_time(registration.expires_at),
            refresh_token=answer.get("refreshToken"),
        )
        path = TokenCache(self.runtime).save_token(self.session, document)
        return CachedToken(document, path)
