"""The one way ssomagic calls AWS: every request to sso-oidc, the portal and STS goes through
``call()``.

It retries what a busy or flaky service says to retry (throttling, 5xx, refused, reset or
timed-out connections) with full-jitter exponential back-off, as the AWS SDKs do; it stops at
the user action's deadline, so nothing waits longer than a minute without an answer; and it
turns whatever is left into one error that says whose fault it is and whether trying again
helps. The sleep comes from the Runtime, so tests run at once and a cancel cuts a back-off short.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..advice import command
from ..errors import (
    BadAnswerError,
    LoginCancelledError,
    ServiceError,
    SsoMagicError,
    TimedOutError,
    TokenRejectedError,
)
from ..runtime import Runtime
from ..timing import (
    ACTION_DEADLINE,
    BACKOFF_BASE,
    BACKOFF_CAP,
    OPTIONAL_STEP,
    RETRY_ATTEMPTS,
    format_duration,
)
from .rate_limit import AdaptiveRate

THROTTLING_CODES = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling",
                              "RequestLimitExceeded", "SlowDown"})
# The server says the sign-in itself is no longer good: only a new sign-in helps.
REJECTED_CODES = frozenset({"UnauthorizedException", "InvalidGrantException",
                            "ExpiredTokenException"})

SERVICES = {"sso-oidc": "IAM Identity Center", "sso": "the AWS access portal", "sts": "AWS STS",
            "signin": "the AWS sign-in federation endpoint"}


def error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt: the same request may well succeed in a moment."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotocoreConnectionError

    # Refused, reset or timed-out connections: botocore's own retry handlers retry these too.
    # A certificate this machine does not trust stays untrusted, however often it is shown.
    if isinstance(exc, (HTTPClientError, BotocoreConnectionError)):
        return untrusted_certificate(exc) is None
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or status == 429 or error_code(exc) in THROTTLING_CODES
    return False


def untrusted_certificate(exc: BaseException) -> str | None:
    """Why the endpoint's certificate failed verification ("self-signed certificate in
    certificate chain"...), if that is what ended the call: botocore's SSLError is raised while
    urllib3's is handled, and urllib3's while the ssl module's is."""
    import ssl

    seen: BaseException | None = exc
    for _ in range(8):  # botocore's, urllib3's, ssl's: a short chain, never a cycle
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLCertVerificationError):
            return str(seen.verify_message)  # set by the ssl module on every such failure
        seen = seen.__cause__ or seen.__context__
    return None


def login_hint(target: str | None) -> str:
    """How to sign in again, naming what to sign in to (each front end phrases the command)."""
    return f"Sign in again: {command(f'login {target}' if target else 'login')}."


class Deadline:
    """When the user action that makes these calls gives up, by the Runtime's clock."""

    def __init__(self, runtime: Runtime, seconds: float = ACTION_DEADLINE) -> None:
        self.runtime = runtime
        self.seconds = seconds
        self.at = runtime.now().timestamp() + seconds

    def left(self) -> float:
        return self.at - self.runtime.now().timestamp()

    def part(self, seconds: float) -> Deadline:
        """At most ``seconds`` of what is left of this deadline."""
        part = Deadline(self.runtime, seconds)
        part.at = min(part.at, self.at)
        return part


# The deadline of the user action under way in this thread (whoami, a credential fetch): every
# call it makes shares it, so an action of several calls on a hung network still answers
# within the minute, instead of each call taking most of a minute of its own.
_action: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "ssomagic_action_deadline", default=None)


def current_deadline(runtime: Runtime) -> Deadline:
    """The deadline of the action under way, or a whole one for a call made outside any."""
    return _action.get() or Deadline(runtime)


@contextlib.contextmanager
def action(runtime: Runtime) -> Iterator[Deadline]:
    """One deadline for every call made inside, unless an action is already under way (a
    credential fetch inside whoami is part of whoami, and shares its deadline)."""
    current = _action.get()
    if current is not None:
        yield current
        return
    deadline = Deadline(runtime)
    reset = _action.set(deadline)
    try:
        yield deadline
    finally:
        _action.reset(reset)


@contextlib.contextmanager
def optional_step(runtime: Runtime, seconds: float = OPTIONAL_STEP) -> Iterator[Deadline]:
    """A step the action can do without (renewing a token that still serves, naming the
    account) gets at most ``seconds`` of the action's deadline: the step that must happen
    keeps the rest."""
    part = current_deadline(runtime).part(seconds)
    reset = _action.set(part)
    try:
        yield part
    finally:
        _action.reset(reset)


@dataclass(frozen=True)
class Target:
    """Whom a call is for, so a failure can name the region, the session and the profile."""

    service: str  # "sso-oidc" | "sso" | "sts"
    region: str
    session: str  # the sso-session's label
    profile: str | None = None

    @property
    def service_name(self) -> str:
        return SERVICES.get(self.service, self.service)

    @property
    def service_title(self) -> str:
        """The service's name as it starts a sentence."""
        name = self.service_name
        return name[:1].upper() + name[1:]

    @property
    def login_target(self) -> str | None:
        if self.profile:
            return self.profile
        return None if "://" in self.session else f"--sso-session {self.session}"


def is_throttling(exc: BaseException) -> bool:
    """The service asks for fewer calls a second (429, or a throttling code)."""
    response = getattr(exc, "response", None)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) \
        if isinstance(response, dict) else 0
    return status == 429 or error_code(exc) in THROTTLING_CODES


def call(method: Callable[..., Any], params: Mapping[str, Any], *, doing: str, target: Target,
         runtime: Runtime, deadline: Deadline | None = None,
         cancel: threading.Event | None = None, handled: Collection[str] = (),
         attempts: int = RETRY_ATTEMPTS, limiter: AdaptiveRate | None = None) -> Any:
    """``method(**params)``, retried while worth it; then one SsoMagicError that says what to do.

    ``doing`` completes "... could not {doing}". Error codes in ``handled`` are the caller's
    business (AuthorizationPendingException while polling, say) and come back as botocore's
    ClientError, untouched. Each back-off takes the runtime's jitter of its bound. With a
    ``limiter`` every attempt waits for its slot, and a throttled call is retried at the
    limiter's pace for as long as the deadline allows: the service said "slower", not "no",
    so throttling uses up no attempt.
    """
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    deadline = deadline or current_deadline(runtime)
    failures = throttles = 0
    last_code: str | None = None
    while True:
        if cancel is not None and cancel.is_set():
            raise LoginCancelledError()
        if deadline.left() <= 0:  # spent by the action's earlier calls: no attempt would end
            raise timed_out(None, doing=doing, target=target, deadline=deadline,  # in time
                            code=last_code or "none in time")
        if limiter is not None:
            wait = limiter.reserve(runtime.now().timestamp())
            if wait > 0:
                if deadline.left() <= wait:
                    raise timed_out(None, doing=doing, target=target, deadline=deadline,
                                    code=last_code or "waiting for the portal's quota")
                runtime.wait(wait, cancel)
                if cancel is not None and cancel.is_set():
                    raise LoginCancelledError()
        try:
            answer = method(**params)
        except (ClientError, BotoCoreError, ResponseParserError) as exc:
            throttled = is_throttling(exc)
            paced = False
            if limiter is not None and throttled:
                paced = limiter.refused(runtime.now().timestamp())
            elif limiter is not None:
                limiter.accepted(runtime.now().timestamp())
            if error_code(exc) in handled:
                raise
            last_code = error_code(exc) or type(exc).__name__
            if paced:
                if deadline.left() <= 0:
                    raise timed_out(exc, doing=doing, target=target, deadline=deadline) from None
                continue  # the limiter has slowed down: its next slot is the back-off
            if not (throttled and limiter is not None):
                failures += 1  # throttling uses up no attempt: only the deadline ends it
            else:
                throttles += 1
            if not is_transient(exc) or failures >= attempts:
                raise failure(exc, doing=doing, target=target) from None
            delay = runtime.jitter() * min(BACKOFF_CAP,
                                           BACKOFF_BASE * 2 ** (max(failures, throttles) - 1))
            if deadline.left() <= delay:
                raise timed_out(exc, doing=doing, target=target, deadline=deadline) from None
            runtime.wait(delay, cancel)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # botocore's parsers fail so on a body that is not the protocol's (an HTML page
            # with status 200): the call is botocore's, so the fault is the answer's.
            raise BadAnswerError(target.service_name, doing, type(exc).__name__) from None
        else:
            if limiter is not None:
                limiter.accepted(runtime.now().timestamp())
            return answer


def failure(exc: BaseException, *, doing: str, target: Target) -> SsoMagicError:
    """Whose fault it is and whether trying again helps, in one error a person can act on."""
    from botocore.exceptions import ConnectionError as BotocoreConnectionError
    from botocore.exceptions import HTTPClientError
    from botocore.parsers import ResponseParserError

    code = error_code(exc) or type(exc).__name__
    service = target.service_name
    if code in REJECTED_CODES:
        rejected = TokenRejectedError(
            f"{target.service_title} no longer accepts the sign-in to {target.session} "
            f"({code}): it expired, was signed out, or an administrator ended it.",
            login_hint(target.login_target))
        rejected.profile = target.profile
        return rejected
    why = untrusted_certificate(exc)
    if why is not None:
        return ServiceError(
            f"Could not {doing}: this machine does not trust the certificate of {service} in "
            f"{target.region} ({why}).",
            "A network that inspects TLS (a company proxy) needs its CA certificate: set "
            "AWS_CA_BUNDLE, or ca_bundle in your config, to that file. Trying again as it is "
            "will not help.", code=code, fault="certificate")
    if isinstance(exc, (BotocoreConnectionError, HTTPClientError)):
        return ServiceError(
            f"Could not reach {service} in {target.region} to {doing} ({code}), even after "
            "retrying.",
            "Check the network or proxy, and that sso_region in your config is the region of "
            "your start URL; then try again.", code=code, fault="network")
    if isinstance(exc, ResponseParserError):
        return BadAnswerError(service, doing, code)
    skew = clock_skew(exc)
    if skew is not None:
        offset, server_time = skew
        how = "behind" if offset < 0 else "ahead of"
        return ServiceError(
            f"This machine's clock is about {format_duration(abs(offset))} {how} the time at "
            f"{service} ({server_time:%H:%M:%S} UTC there), so it refused the request's "
            f"signature ({code}).",
            "Set the clock right (on Linux: `sudo timedatectl set-ntp true`), then try again; "
            "the sign-in itself is fine.", code=code, fault="clock")
    if is_transient(exc):
        return ServiceError(
            f"{target.service_title} could not {doing} ({code}), even after retrying.",
            "The service is busy or having trouble; nothing was changed here. Try again in a "
            "moment.", code=code, fault="service")
    return ServiceError(
        f"{target.service_title} refused to {doing} ({code}).",
        f"Trying again will not help: check sso_start_url and sso_region of {target.session} "
        "in your config, or ask your administrator.", code=code, fault="request")


_SKEW = re.compile(r"Signature (?:expired|not yet current): (\d{8}T\d{6}Z) .*\((\d{8}T\d{6}Z) [-+]")


def clock_skew(exc: BaseException) -> tuple[float, datetime] | None:
    """(our clock minus AWS's, in seconds; AWS's time) when AWS refused a signature for its
    time: its message names both. Other clock errors say so without the figures."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    error = response.get("Error", {})
    match = _SKEW.search(str(error.get("Message", "")))
    if match is None:
        return None
    ours, theirs = (datetime.strptime(t, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
                    for t in match.groups())
    return (ours - theirs).total_seconds(), theirs


def timed_out(exc: BaseException | None, *, doing: str, target: Target, deadline: Deadline,
              code: str | None = None) -> TimedOutError:
    code = code or (error_code(exc) if exc is not None else None) or type(exc).__name__
    return TimedOutError(
        f"Gave up after {deadline.seconds:.0f} s waiting for {target.service_name} in "
        f"{target.region} to {doing} (last answer: {code}).",
        "Nothing was changed here. Check the network or proxy, then try again.", code=code)


def expect(answer: Any, *keys: str, doing: str, target: Target) -> dict[str, Any]:
    """The answer, if it holds what the API promises; else one line instead of a KeyError."""
    if not isinstance(answer, dict) or any(answer.get(k) is None for k in keys):
        raise BadAnswerError(target.service_name, doing, "missing " + ", ".join(
            k for k in keys if not isinstance(answer, dict) or answer.get(k) is None))
    return answer


def failure_of_answer(target: Target, doing: str, field: str) -> BadAnswerError:
    """A field that is there but not of the promised type (a date that is not a date)."""
    return BadAnswerError(target.service_name, doing, f"{field} is not what it should be")
