"""The OAuth device authorization flow (RFC 8628) against IAM Identity Center, with no UI.

Register (or reuse the registration), start the authorization, then poll CreateToken at the
server's interval until the person approves, refuses, or the code expires. Progress goes out
as events; cancel() from another thread or KeyboardInterrupt in this one stops it cleanly.
Unlike the AWS CLI, which polls forever, the flow stops when the code expires, and a token
endpoint that keeps failing is reported after ACTION_DEADLINE instead of at the code's expiry.

A flow stopped while its code waits (an interrupted cell, a closed widget) leaves the code with
the process: the verification page would still say "approved" to someone who allows access
anyway, so the next sign-in to that sso-session polls the same code instead of starting a new
one, and that approval signs in.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from ..aws import clients, gateway
from ..config.read import SsoSession
from ..errors import BadAnswerError, LoginCancelledError, LoginFailedError, ServiceError
from ..events import CodeReady, Failed, Listener, SignedIn, StillWaiting, ignore
from ..files.token_cache import CachedToken, Registration, TokenCache, format_time, token_document
from ..runtime import Runtime
from ..timing import ACTION_DEADLINE
from .authorizations import Authorization, authorizations, stopped_note
from .registration import ensure_registration

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5.0
SLOW_DOWN_STEP = 5.0
# The verdicts a poll can bring; everything else is the gateway's to retry or explain.
POLL_ANSWERS = frozenset({"AuthorizationPendingException", "SlowDownException",
                          "ExpiredTokenException", "AccessDeniedException"})
START = "start the sign-in"
POLL = "check whether you allowed access"
# Where AWS serves its verification page (device.sso.<region>.amazonaws.com and the like).
AWS_PAGE_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".awsapps.com", ".awsapps.cn",
                     ".app.aws", ".amazonaws.eu", ".amazonwebservices.com.cn",
                     ".amazonwebservices.eu")


def untrusted_page(page_host: str, endpoint_host: str) -> str | None:
    """Why a verification page's host deserves a warning, or None when it is AWS's own or
    the endpoint the user configured (an emulator, a VPC endpoint)."""
    if not page_host:
        return "The sign-in page has no host: do not use it; ask your administrator."
    if page_host == endpoint_host or page_host.endswith(AWS_PAGE_SUFFIXES):
        return None
    return (f"The sign-in page is on {page_host}, which is neither an AWS sign-in host nor "
            "the endpoint you configured. Enter nothing there unless you know why it is.")
class DeviceFlow:
    def __init__(self, session: SsoSession, *, runtime: Runtime | None = None,
                 listener: Listener = ignore, profile: str | None = None,
                 cancel_event: threading.Event | None = None) -> None:
        self.session = session
        self.runtime = runtime or Runtime()
        self.listener = listener
        self.profile = profile
        self._cancel = cancel_event or threading.Event()
        self.target = gateway.Target("sso-oidc", session.region, session.label, profile)

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
            self._stopped()
            raise
        except LoginCancelledError:
            self._stopped()
            raise
        except LoginFailedError as exc:
            authorizations.ended(self.session, self.runtime)
            self._fail(exc.reason, str(exc))
            raise
        except ServiceError as exc:
            authorizations.ended(self.session, self.runtime)
            self._fail("error", str(exc))
            raise
        authorizations.ended(self.session, self.runtime)
        self.listener(SignedIn(self.session.label, token.expires_at))
        return token

    def _stopped(self) -> None:
        """Keep a waiting code for the next sign-in, and say so in the line that ends this one."""
        code = authorizations.stopped(self.session, self.runtime)
        message = LoginCancelledError().message
        if code is not None:
            message += " " + stopped_note(code, self.runtime)
        self._fail("cancelled", message)

    def _fail(self, reason: str, message: str) -> None:
        self.listener(Failed(self.session.label, reason, message))

    def _call(self, method: Any, params: dict[str, Any], doing: str, *,
              deadline: gateway.Deadline | None = None, handled: frozenset[str] = frozenset()
              ) -> Any:
        return gateway.call(method, params, doing=doing, target=self.target,
                            runtime=self.runtime, deadline=deadline, cancel=self._cancel,
                            handled=handled)

    def _start(self, oidc: Any) -> tuple[dict[str, Any], Registration]:
        from botocore.exceptions import ClientError

        deadline = gateway.Deadline(self.runtime)
        registration = ensure_registration(self.session, runtime=self.runtime,
                                           profile=self.profile, deadline=deadline,
                                           cancel=self._cancel)
        try:
            answer = self._call(oidc.start_device_authorization, self._start_params(registration),
                                START, deadline=deadline,
                                handled=frozenset({"InvalidClientException"}))
        except ClientError:
            # The server no longer knows the cached registration: register again, once.
            registration = ensure_registration(self.session, runtime=self.runtime,
                                               profile=self.profile, fresh=True,
                                               deadline=deadline, cancel=self._cancel)
            answer = self._call(oidc.start_device_authorization,
                                self._start_params(registration), START, deadline=deadline)
        answer = gateway.expect(answer, "deviceCode", "userCode", "verificationUri",
                                "expiresIn", doing=START, target=self.target)
        return answer, registration

    def _start_params(self, registration: Registration) -> dict[str, Any]:
        return {"clientId": registration.client_id, "clientSecret": registration.client_secret,
                "startUrl": self.session.start_url}

    def _run(self) -> CachedToken:
        oidc = clients.client("sso-oidc", self.session.region, self.profile,
                              config_file=self.runtime.config_file)
        authorization = (authorizations.stopped_one(self.session, self.runtime, take=True)
                         or self._authorize(oidc))
        authorizations.started(self.session, self.runtime, authorization)
        self.listener(authorization.code)
        return self._poll(oidc, authorization)

    def _authorize(self, oidc: Any) -> Authorization:
        auth, registration = self._start(oidc)
        try:
            interval = float(auth.get("interval") or DEFAULT_INTERVAL)
            deadline = self.runtime.now() + timedelta(seconds=float(auth["expiresIn"]))
        except (TypeError, ValueError, OverflowError):  # a number no date can be this far off
            raise gateway.failure_of_answer(self.target, START, "interval or expiresIn") \
                from None
        from ..config.start_url import host

        code = CodeReady(
            warning=untrusted_page(host(str(auth["verificationUri"])),
                                   host(str(getattr(oidc.meta, "endpoint_url", "")))),
            session=self.session.label,
            user_code=str(auth["userCode"]),
            verification_uri=str(auth["verificationUri"]),
            verification_uri_complete=str(auth.get("verificationUriComplete")
                                          or f"{auth['verificationUri']}?user_code="
                                          f"{auth['userCode']}"),
            expires_at=deadline,
            interval=interval,
        )
        return Authorization(code, str(auth["deviceCode"]), registration)

    def _poll(self, oidc: Any, authorization: Authorization) -> CachedToken:
        from botocore.exceptions import ClientError

        registration = authorization.registration
        interval, deadline = authorization.code.interval, authorization.code.expires_at
        params = {"grantType": DEVICE_GRANT, "clientId": registration.client_id,
                  "clientSecret": registration.client_secret,
                  "deviceCode": authorization.device_code}

        failing_since: float | None = None  # when the token endpoint started failing
        failure: ServiceError | None = None  # its last failure (read while failing_since is set)
        while True:
            if self.cancelled:
                raise LoginCancelledError()
            now = self.runtime.now()
            if now >= deadline:
                raise self._expired()
            asked_at = now.timestamp()
            # Consecutive failing polls share one ACTION_DEADLINE, counted from the question
            # that first failed: a call may itself spend what is left retrying, and no more.
            budget = ACTION_DEADLINE - (0.0 if failing_since is None else asked_at - failing_since)
            try:
                answer = self._call(oidc.create_token, params, POLL, handled=POLL_ANSWERS,
                                    deadline=gateway.Deadline(self.runtime, budget))
            except ClientError as exc:
                failing_since = None
                code = gateway.error_code(exc)
                if code == "AuthorizationPendingException":
                    left = (deadline - self.runtime.now()).total_seconds()
                    self.listener(StillWaiting(self.session.label, max(0.0, left)))
                elif code == "SlowDownException":
                    interval += SLOW_DOWN_STEP
                elif code == "ExpiredTokenException":
                    raise self._expired() from None
                else:  # AccessDeniedException
                    raise LoginFailedError("Sign-in was denied on the verification page.",
                                           "Run login again and choose Allow.",
                                           reason="denied") from None
            except BadAnswerError:
                raise  # a proxy's page or a broken body says so itself: no refusal, no retry
            except ServiceError as exc:
                if not exc.retry_helps:
                    raise LoginFailedError(
                        f"IAM Identity Center refused the sign-in ({exc.code}).",
                        "Run login again; if it keeps failing, check sso_start_url and "
                        "sso_region.") from None
                if failing_since is None:
                    failing_since = asked_at
                failure = exc
            else:
                return self._save(answer, registration)
            now = self.runtime.now()
            wait = max(0.0, min(interval, (deadline - now).total_seconds()))
            if failing_since is not None and failure is not None and (
                    now.timestamp() - failing_since + wait >= ACTION_DEADLINE):
                # the next question would come after the deadline: say so now
                raise ServiceError(
                    f"IAM Identity Center kept failing for {ACTION_DEADLINE:.0f} s while "
                    f"waiting for you to allow access ({failure.code}).",
                    "Nothing was saved. Try again in a moment; if it keeps failing, check "
                    "the network or proxy.", code=failure.code, fault=failure.fault)
            self.runtime.wait(wait, self._cancel)

    def _expired(self) -> LoginFailedError:
        return LoginFailedError("The sign-in code expired before it was approved.",
                                "Run login again and approve the new code in time.",
                                reason="expired")

    def _save(self, answer: Any, registration: Registration) -> CachedToken:
        return save_token_answer(answer, self.session, registration, runtime=self.runtime,
                                 target=self.target, doing=POLL)



def save_token_answer(answer: Any, session: SsoSession, registration: Registration, *,
                      runtime: Runtime, target: gateway.Target, doing: str) -> CachedToken:
    """A sign-in's CreateToken answer (device code or PKCE alike) as the token file the CLI
    writes: the one place a new sign-in becomes a cache file."""
    answer = gateway.expect(answer, "accessToken", "expiresIn", doing=doing, target=target)
    try:
        expires_at = runtime.now() + timedelta(seconds=float(answer["expiresIn"]))
    except (TypeError, ValueError, OverflowError):
        raise gateway.failure_of_answer(target, doing, "expiresIn") from None
    document = token_document(
        start_url=session.start_url, region=session.region,
        access_token=str(answer["accessToken"]), expires_at=expires_at,
        client_id=registration.client_id, client_secret=registration.client_secret,
        registration_expires_at=format_time(registration.expires_at),
        refresh_token=answer.get("refreshToken"))
    path = TokenCache(runtime).save_token(session, document)
    return CachedToken(document, path)
