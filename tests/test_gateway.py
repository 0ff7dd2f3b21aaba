"""The gateway: every AWS call retried while worth it, bounded by a deadline, and explained."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from botocore.exceptions import ClientError, ParamValidationError, ReadTimeoutError
from botocore.parsers import ResponseParserError
from helpers import approve_when_asked

from ssomagic import api
from ssomagic.engine import timing
from ssomagic.engine.access.portal import Portal
from ssomagic.engine.access.role_credentials import RoleCredentialFetcher
from ssomagic.engine.aws import gateway
from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import BadAnswerError, ServiceError, TimedOutError, TokenRejectedError

TARGET = gateway.Target("sso", "us-east-1", "my-sso", "dev")


def gave_up(seconds: int, last_answer: str) -> str:
    """The one line a call that ran out of its deadline ends with."""
    return (f"Gave up after {seconds} s waiting for the AWS access portal in us-east-1 to list "
            f"your accounts (last answer: {last_answer}). Nothing was changed here. Check the "
            "network or proxy, then try again.")


def client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "ListAccounts")


def test_an_error_that_will_not_go_away_is_not_retried_and_says_so(runtime, clock):
    calls = []

    def refuse():
        calls.append(1)
        raise client_error("InvalidRequestException", 400)

    with pytest.raises(ServiceError) as caught:
        gateway.call(refuse, {}, doing="list your accounts", target=TARGET, runtime=runtime)
    assert len(calls) == 1 and not caught.value.retry_helps
    assert str(caught.value) == (
        "The AWS access portal refused to list your accounts (InvalidRequestException). Trying "
        "again will not help: check sso_start_url and sso_region of my-sso in your config, or "
        "ask your administrator.")


def test_a_hung_endpoint_gives_up_at_the_deadline_and_says_what_it_waited_for(runtime, clock):
    def hang():
        clock.advance(10)  # a read timeout's worth of waiting, each attempt
        raise ReadTimeoutError(endpoint_url="http://127.0.0.1:1/")

    started = clock.now()
    with pytest.raises(TimedOutError, match=r"^Gave up after 45 s waiting for the AWS access "
                                            r"portal in us-east-1 to list your accounts"):
        gateway.call(hang, {}, doing="list your accounts", target=TARGET, runtime=runtime)
    assert (clock.now() - started).total_seconds() < 60


def test_a_rejected_token_names_the_profile_to_sign_in_to(runtime):
    def reject():
        raise client_error("UnauthorizedException", 401)

    with pytest.raises(TokenRejectedError, match=r"Sign in again: `ssomagic login dev`\."):
        gateway.call(reject, {}, doing="list your accounts", target=TARGET, runtime=runtime)


def test_an_answer_that_is_not_what_the_api_promises_is_one_line(runtime):
    with pytest.raises(BadAnswerError) as caught:
        gateway.expect({"message": "<html>proxy</html>"}, "accountList", doing="list your "
                       "accounts", target=TARGET)
    assert "\n" not in str(caught.value) and "proxy" in str(caught.value)


def test_a_portal_that_keeps_failing_says_to_try_again_later(config_file, runtime, emulator,
                                                             clock):
    from helpers import approve_when_asked

    from ssomagic import api
    from ssomagic.engine.config.read import load_config
    from ssomagic.engine.signin.tokens import current_token

    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda e: None)
    session = load_config(runtime).profile("dev").sso
    portal = Portal(session, current_token(session, runtime=runtime).access_token,
                    runtime=runtime)
    emulator.state.set_fault("ListAccounts", errors=1_000)
    with pytest.raises(ServiceError) as caught:
        portal.accounts()
    assert caught.value.retry_helps and "Try again in a moment" in str(caught.value)


def test_retries_back_off_exponentially_from_50_ms_to_a_2_s_cap(runtime, clock):
    """Full jitter, as botocore's standard retry mode: a random share of a bound that doubles.
    With the random share fixed at its top, the waits are the bounds themselves."""
    failures = iter(range(9))

    def flaky():
        if next(failures, None) is not None:
            raise client_error("InternalServerException", 500)
        return {"ok": True}

    assert gateway.call(flaky, {}, doing="list your accounts", target=TARGET,
                        runtime=replace(runtime, jitter=lambda: 1.0)) == {"ok": True}
    assert clock.slept == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0]


def status_error(status: int, code: str | None = None, message: str = "m") -> ClientError:
    error = {"Message": message} | ({"Code": code} if code else {})
    return ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "ListAccounts")


@pytest.mark.parametrize(("exc", "transient"), [
    (status_error(500, "InternalServerException"), True),
    (status_error(503), True),  # a bare 5xx: the service, for a moment
    (status_error(429), True),  # throttled, whatever the body says
    (status_error(400, "ThrottlingException"), True),  # throttled by code alone
    (status_error(400, "SlowDown"), True),
    (status_error(400, "InvalidRequestException"), False),
    (status_error(499), False),
    (ReadTimeoutError(endpoint_url="http://127.0.0.1:1/"), True),
    (ValueError("not botocore's"), False),
])
def test_what_is_worth_another_attempt(exc, transient):
    assert gateway.is_transient(exc) is transient


@pytest.mark.parametrize(("exc", "throttled"), [
    (status_error(429), True), (status_error(400, "TooManyRequestsException"), True),
    (status_error(400, "RequestLimitExceeded"), True), (status_error(503), False),
    (status_error(400, "AccessDeniedException"), False),
])
def test_what_counts_as_the_service_saying_slower(exc, throttled):
    assert gateway.is_throttling(exc) is throttled


@pytest.mark.parametrize(("exc", "fault", "words"), [
    (status_error(401, "UnauthorizedException"), None,
     "The AWS access portal no longer accepts the sign-in to my-sso (UnauthorizedException): "
     "it expired, was signed out, or an administrator ended it. Sign in again: "
     "`ssomagic login dev`."),
    (ReadTimeoutError(endpoint_url="http://127.0.0.1:1/"), "network",
     "Could not reach the AWS access portal in us-east-1 to list your accounts "
     "(ReadTimeoutError), even after "
     "retrying. Check the network or proxy, and that sso_region in your config is the region "
     "of your start URL; then try again."),
    (status_error(403, "InvalidSignatureException", "Signature expired: 20261127T093000Z is "
                  "now earlier than 20261127T092000Z (20261127T093500Z - 5 min.)"), "clock",
     "This machine's clock is about 5m 00s behind the time at the AWS access portal (09:35:00 "
     "UTC there), so it "
     "refused the request's signature (InvalidSignatureException). Set the clock right (on "
     "Linux: `sudo timedatectl set-ntp true`), then try again; the sign-in itself is fine."),
    (status_error(403, "InvalidSignatureException", "Signature not yet current: "
                  "20261127T094000Z is still later than 20261127T093500Z (20261127T093000Z + "
                  "5 min.)"), "clock",
     "This machine's clock is about 10m 00s ahead of the time at the AWS access portal "
     "(09:30:00 UTC there), so it refused the request's signature (InvalidSignatureException). "
     "Set the clock right (on Linux: `sudo timedatectl set-ntp true`), then try again; the "
     "sign-in itself is fine."),
    (ResponseParserError("not JSON"), "answer",
     "The AWS access portal answered the request to list your accounts with something that is "
     "not what the API promises (ResponseParserError). A proxy or a wrong AWS_ENDPOINT_URL_* "
     "setting often does this; check them, then try again."),
    (status_error(503, "ServiceUnavailableException"), "service",
     "The AWS access portal could not list your accounts (ServiceUnavailableException), even "
     "after retrying. The service is busy or having trouble; nothing was changed here. Try "
     "again in a moment."),
    (status_error(400, "InvalidRequestException"), "request",
     "The AWS access portal refused to list your accounts (InvalidRequestException). Trying "
     "again will not help: check sso_start_url and sso_region of my-sso in your config, or "
     "ask your administrator."),
    # botocore's own refusal, before any request (an error with no response at all)
    (ParamValidationError(report="Invalid length for parameter maxResults"), "request",
     "The AWS access portal refused to list your accounts (ParamValidationError). Trying "
     "again will not help: check sso_start_url and sso_region of my-sso in your config, or "
     "ask your administrator."),
])
def test_each_kind_of_failure_says_whose_fault_it_is_and_what_to_do(exc, fault, words):
    error = gateway.failure(exc, doing="list your accounts", target=TARGET)
    assert str(error) == words
    assert getattr(error, "fault", None) == fault
    assert getattr(error, "retry_helps", False) is (fault in ("network", "service"))
    if fault is None:  # a refused sign-in names the profile to sign in again
        assert error.profile == "dev"
    elif fault != "answer":
        assert error.code == (gateway.error_code(exc) or type(exc).__name__)


def test_throttling_uses_up_no_attempt_and_the_deadline_says_what_it_waited_for(runtime,
                                                                                clock):
    """With the portal's limiter, a throttled call is paced and tried again for as long as
    the action's deadline allows; only then one line says it was the quota."""
    from ssomagic.engine.aws.rate_limit import AdaptiveRate

    calls = []

    def throttled():
        calls.append(clock.now())
        raise status_error(429, "TooManyRequestsException")

    with pytest.raises(TimedOutError) as caught:
        gateway.call(throttled, {}, doing="list your accounts", target=TARGET, runtime=runtime,
                     limiter=AdaptiveRate(), deadline=gateway.Deadline(runtime, 30))
    assert len(calls) > gateway.RETRY_ATTEMPTS  # attempts are not what ended it
    assert (calls[-1] - calls[0]).total_seconds() <= 30
    assert str(caught.value) == gave_up(30, "TooManyRequestsException")


def test_a_cancel_during_the_back_off_stops_at_once(runtime, clock):
    import threading

    from ssomagic.engine.errors import LoginCancelledError

    cancel, calls = threading.Event(), []

    def failing():
        calls.append(1)
        cancel.set()  # the person pressed Stop while this attempt was out
        raise status_error(503)

    with pytest.raises(LoginCancelledError):
        gateway.call(failing, {}, doing="list your accounts", target=TARGET, runtime=runtime,
                     cancel=cancel)
    assert calls == [1]


def test_a_body_botocore_cannot_parse_is_the_answers_fault_in_one_line(runtime):
    def unparsable():
        raise KeyError("accountList")  # what botocore's parser raises on a proxy's page

    with pytest.raises(BadAnswerError) as caught:
        gateway.call(unparsable, {}, doing="list your accounts", target=TARGET,
                     runtime=runtime)
    assert str(caught.value) == (
        "The AWS access portal answered the request to list your accounts with something "
        "that is not what the API promises (KeyError). A proxy or a wrong "
        "AWS_ENDPOINT_URL_* setting often does this; check them, then try again.")


def test_ten_failed_attempts_end_the_retries_with_the_last_answer(runtime, clock):
    calls = []

    def down():
        calls.append(1)
        raise status_error(503, "ServiceUnavailableException")

    with pytest.raises(ServiceError, match=r"\(ServiceUnavailableException\), even after "
                                           "retrying"):
        gateway.call(down, {}, doing="list your accounts", target=TARGET, runtime=runtime)
    assert len(calls) == gateway.RETRY_ATTEMPTS == 10


def test_an_answer_missing_promised_keys_names_each_one(runtime):
    with pytest.raises(BadAnswerError) as caught:
        gateway.expect({"clientId": "x", "clientSecret": None}, "clientId", "clientSecret",
                       "clientSecretExpiresAt", doing="start the sign-in", target=TARGET)
    assert str(caught.value) == (
        "The AWS access portal answered the request to start the sign-in with something that "
        "is not what the API promises (missing clientSecret, clientSecretExpiresAt). A proxy "
        "or a wrong AWS_ENDPOINT_URL_* setting often does this; check them, then try again.")


def test_an_answer_that_is_not_an_object_misses_every_key(runtime):
    with pytest.raises(BadAnswerError, match=r"\(missing accountList, nextToken\)"):
        gateway.expect(["not", "an", "object"], "accountList", "nextToken",
                       doing="list your accounts", target=TARGET)
    assert gateway.expect({"accountList": []}, "accountList", doing="list your accounts",
                          target=TARGET) == {"accountList": []}


def test_a_field_of_the_wrong_kind_is_named_as_not_what_it_should_be():
    assert str(gateway.failure_of_answer(TARGET, "start the sign-in", "expiresIn")) == (
        "The AWS access portal answered the request to start the sign-in with something that "
        "is not what the API promises (expiresIn is not what it should be). A proxy or a "
        "wrong AWS_ENDPOINT_URL_* setting often does this; check them, then try again.")


def test_signing_in_again_names_what_to_sign_in_to_when_it_is_known():
    assert gateway.login_hint("dev") == "Sign in again: `ssomagic login dev`."
    assert gateway.login_hint(None) == "Sign in again: `ssomagic login`."


def test_failures_that_outlast_the_deadline_end_with_the_last_answer_and_its_code(runtime,
                                                                                 clock):
    def slow_failure():
        clock.advance(20)
        raise status_error(503, "ServiceUnavailableException")

    with pytest.raises(TimedOutError) as caught:
        gateway.call(slow_failure, {}, doing="list your accounts", target=TARGET,
                     runtime=runtime)
    assert str(caught.value) == gave_up(45, "ServiceUnavailableException")
    assert caught.value.code == "ServiceUnavailableException"


def test_a_throttled_call_that_outlasts_the_deadline_says_so_with_its_code(runtime, clock):
    """The limiter has measured the quota (calls it accepted), so a 429 is paced by it; when
    the deadline has passed meanwhile, the line names the throttling."""
    from ssomagic.engine.aws.rate_limit import MIN_SAMPLE, AdaptiveRate

    limiter, deadline = AdaptiveRate(), gateway.Deadline(runtime, 30)
    clock.advance(29.5)
    for _ in range(MIN_SAMPLE):
        limiter.accepted(clock.now().timestamp())

    def throttled():
        clock.advance(1)  # the answer came as the deadline passed
        raise status_error(429, "ThrottlingException")

    with pytest.raises(TimedOutError) as caught:
        gateway.call(throttled, {}, doing="list your accounts", target=TARGET,
                     runtime=runtime, limiter=limiter, deadline=deadline)
    assert limiter.quota is not None  # paced by the limiter, not backed off
    assert str(caught.value) == gave_up(30, "ThrottlingException")
    assert caught.value.code == "ThrottlingException"


def test_a_cancel_during_a_real_back_off_ends_the_wait_at_once(tmp_path):
    """On the wall clock (no injected sleep), Stop ends a 1.6 s back-off when pressed."""
    import threading
    import time

    from ssomagic.engine.errors import LoginCancelledError
    from ssomagic.engine.runtime import Runtime

    cancel, calls = threading.Event(), []

    def failing():
        calls.append(time.monotonic())
        if len(calls) == 6:  # the back-off after this one is 1.6 s
            threading.Timer(0.1, cancel.set).start()
        raise status_error(503)

    with pytest.raises(LoginCancelledError):
        gateway.call(failing, {}, doing="list your accounts", target=TARGET,
                     runtime=Runtime(home=tmp_path, environ={}, jitter=lambda: 1.0),
                     cancel=cancel)
    assert len(calls) == 6 and time.monotonic() - calls[-1] < 1.0


def measured_limiter(now: float):
    """A limiter that has seen the portal's quota: three calls accepted, then a 429."""
    from ssomagic.engine.aws.rate_limit import MIN_SAMPLE, AdaptiveRate

    limiter = AdaptiveRate()
    for _ in range(MIN_SAMPLE):
        limiter.accepted(now)
    assert limiter.refused(now)
    return limiter


def test_a_quota_wait_longer_than_the_deadline_left_names_the_last_answer(runtime, clock):
    def throttled():
        raise status_error(429, "ThrottlingException")

    with pytest.raises(TimedOutError) as caught:
        gateway.call(throttled, {}, doing="list your accounts", target=TARGET, runtime=runtime,
                     limiter=measured_limiter(clock.time()),
                     deadline=gateway.Deadline(runtime, 0.1))
    assert str(caught.value) == gave_up(0, "ThrottlingException")
    assert caught.value.code == "ThrottlingException"


def test_a_quota_wait_before_any_answer_says_it_waited_for_the_quota(runtime, clock):
    limiter = measured_limiter(clock.time())
    for _ in range(10):  # other calls of this kernel have taken the next slots
        limiter.reserve(clock.time())
    calls = []
    with pytest.raises(TimedOutError) as caught:
        gateway.call(lambda: calls.append(1), {}, doing="list your accounts", target=TARGET,
                     runtime=runtime, limiter=limiter, deadline=gateway.Deadline(runtime, 1))
    assert calls == []
    assert caught.value.code == "waiting for the portal's quota"
    assert "(last answer: waiting for the portal's quota)" in str(caught.value)


def test_a_quota_wait_past_the_deadline_after_a_dropped_connection_names_that_answer(
        runtime, clock):
    """The last answer was the network's: the line says so, not what the wait was for."""
    from botocore.exceptions import EndpointConnectionError

    limiter, calls = measured_limiter(clock.time()), []

    def unreachable():
        calls.append(1)
        for _ in range(20):  # meanwhile the kernel's other calls took the next slots
            limiter.reserve(clock.time())
        raise EndpointConnectionError(endpoint_url="https://portal.sso.eu-west-1.amazonaws.com")

    with pytest.raises(TimedOutError) as caught:
        gateway.call(unreachable, {}, doing="list your accounts", target=TARGET,
                     runtime=replace(runtime, jitter=lambda: 0.0), limiter=limiter,
                     deadline=gateway.Deadline(runtime, 2))
    assert calls == [1]
    assert caught.value.code == "EndpointConnectionError"
    assert "(last answer: EndpointConnectionError)" in str(caught.value)


def test_a_cancel_during_a_real_quota_wait_ends_it_at_once(tmp_path):
    import threading
    import time

    from ssomagic.engine.errors import LoginCancelledError
    from ssomagic.engine.runtime import Runtime

    runtime = Runtime(home=tmp_path, environ={})
    limiter = measured_limiter(runtime.now().timestamp())
    for _ in range(6):  # the next free slot is seconds away
        limiter.reserve(runtime.now().timestamp())
    cancel, calls = threading.Event(), []
    threading.Timer(0.1, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(LoginCancelledError):
        gateway.call(lambda: calls.append(1), {}, doing="list your accounts", target=TARGET,
                     runtime=runtime, limiter=limiter, cancel=cancel)
    assert calls == [] and time.monotonic() - started < 1.0


# ---- one deadline per user action ------------------------------------------------------

def test_a_call_due_after_its_actions_deadline_is_not_made(config_file, runtime, emulator,
                                                            clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda event: None)
    fetcher = RoleCredentialFetcher(load_config(runtime).profile("dev"), runtime)
    asked = emulator.state.arrivals.get("GetRoleCredentials", 0)
    with gateway.action(runtime), pytest.raises(TimedOutError) as caught:
        clock.advance(timing.ACTION_DEADLINE)  # the action's earlier steps took it all
        fetcher.fetch(use_cache=False)
    assert emulator.state.arrivals.get("GetRoleCredentials", 0) == asked
    assert str(caught.value) == (
        f"Gave up after 45 s waiting for the AWS access portal in us-east-1 to give "
        f"credentials for {fetcher.role_name} in account {fetcher.account_id} (last answer: "
        "none in time). Nothing was changed here. Check the network or proxy, then try again.")


def test_an_action_inside_another_shares_its_deadline(runtime, clock):
    with gateway.action(runtime) as outer:
        clock.advance(30)
        with gateway.action(runtime) as inner:
            assert inner.left() == pytest.approx(timing.ACTION_DEADLINE - 30)
        assert gateway.current_deadline(runtime) is outer
    assert gateway.current_deadline(runtime).left() == pytest.approx(timing.ACTION_DEADLINE)


def test_an_optional_step_ends_with_its_action_when_that_comes_first(runtime, clock):
    with gateway.action(runtime):
        clock.advance(40)
        with gateway.optional_step(runtime) as step:
            assert step.left() == pytest.approx(timing.ACTION_DEADLINE - 40)
    with gateway.optional_step(runtime) as alone:
        assert alone.left() == pytest.approx(timing.OPTIONAL_STEP)


# ---- what the gateway's branches do ------------------------------------------------------

def test_a_refused_connection_is_retried_then_the_networks_fault(runtime, clock, unused_port):
    """botocore's EndpointConnectionError carries no response: it is retried like any
    dropped connection, then said as the network's fault."""
    import boto3
    from botocore.config import Config

    sts = boto3.client("sts", region_name="us-east-1",
                       endpoint_url=f"http://127.0.0.1:{unused_port}", aws_access_key_id="a",
                       aws_secret_access_key="b", config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ServiceError) as caught:
        gateway.call(sts.get_caller_identity, {}, doing="say who you are",
                     target=gateway.Target("sts", "us-east-1", "my-sso"),
                     runtime=replace(runtime, jitter=lambda: 1.0), attempts=3)
    assert caught.value.fault == "network"
    assert caught.value.code == "EndpointConnectionError"
    assert clock.slept == [0.05, 0.1]  # two back-offs between three attempts


def failing_then_ok(*errors: Exception):
    """An AWS method that raises each of ``errors`` in turn, then answers."""
    pending = iter(errors)

    def method():
        error = next(pending, None)
        if error is not None:
            raise error
        return {"ok": True}

    return method


def test_a_throttled_call_without_a_limiter_backs_off_and_is_tried_again(runtime, clock):
    """STS and sso-oidc have no limiter of the portal's: a 429 is a failure to back off from."""
    throttled_twice = failing_then_ok(status_error(429, "ThrottlingException"),
                                      status_error(429))
    assert gateway.call(throttled_twice, {}, doing="say who you are", target=TARGET,
                        runtime=replace(runtime, jitter=lambda: 1.0)) == {"ok": True}
    assert clock.slept == [0.05, 0.1]


def test_throttling_before_the_limiter_has_measured_the_quota_backs_off_exponentially(
        runtime, clock):
    """Refusals the limiter cannot measure yet (too few calls accepted) are backed off from,
    doubling, like any other: the quota is not known, so nothing paces the retry."""
    from ssomagic.engine.aws.rate_limit import AdaptiveRate

    throttled = failing_then_ok(*[status_error(429)] * 4)
    assert gateway.call(throttled, {}, doing="list your accounts", target=TARGET,
                        runtime=replace(runtime, jitter=lambda: 1.0), limiter=AdaptiveRate()
                        ) == {"ok": True}
    assert clock.slept == [0.05, 0.1, 0.2, 0.4]


def test_calls_through_a_limiter_that_paces_wait_for_their_slot(runtime, clock):
    """At the measured quota, each call waits its share of a second before it is made."""
    limiter, made = measured_limiter(clock.time()), []
    for _ in range(3):
        gateway.call(lambda: made.append(clock.time()), {}, doing="list your accounts",
                     target=TARGET, runtime=runtime, limiter=limiter)
    assert len(made) == 3
    gaps = [b - a for a, b in itertools.pairwise(made)]
    assert all(0 < gap < 1 for gap in gaps), gaps  # a fraction of a second each
    assert clock.slept and all(0 < s < 1 for s in clock.slept)


def test_a_call_without_a_wait_for_its_slot_is_made_without_a_sleep(runtime, clock):
    from ssomagic.engine.aws.rate_limit import AdaptiveRate

    gateway.call(lambda: {"ok": True}, {}, doing="list your accounts", target=TARGET,
                 runtime=runtime, limiter=AdaptiveRate())
    assert clock.slept == []
def test_a_call_paced_with_under_a_second_left_is_tried_once_more_in_time(runtime, clock):
    """A throttled answer that comes with half a second left: the limiter's next slot is
    sooner, so the call is made once more and its answer taken."""
    from ssomagic.engine.aws.rate_limit import MIN_SAMPLE, AdaptiveRate

    limiter, deadline = AdaptiveRate(), gateway.Deadline(runtime, 30)
    answers = []

    def throttled_once():
        answers.append(clock.time())
        if len(answers) == 1:
            clock.advance(29.5)  # the refusal came with half a second left, after other
            for _ in range(MIN_SAMPLE * 10):  # calls of the kernel were let through
                limiter.accepted(clock.now().timestamp())
            raise status_error(429, "ThrottlingException")
        return {"ok": True}

    assert gateway.call(throttled_once, {}, doing="list your accounts", target=TARGET,
                        runtime=runtime, limiter=limiter, deadline=deadline) == {"ok": True}
    assert limiter.quota is not None  # paced by the limiter, not backed off
    assert len(answers) == 2 and deadline.left() > 0
