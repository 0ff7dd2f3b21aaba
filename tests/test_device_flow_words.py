"""What the device flow (engine/signin/device_flow.py) says when IAM Identity Center answers
what it should not, word for word, and what it carries through the sign-in: the one deadline
of its start, the cancel, the profile's client settings, the code's links and the time left.
Against the emulator, on the fake clock."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import approve_when_asked, route_through

from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import (
    BadAnswerError,
    LoginCancelledError,
    LoginFailedError,
    ServiceError,
    TimedOutError,
)
from ssomagic.engine.events import CodeReady, Failed, StillWaiting
from ssomagic.engine.signin.device_flow import DeviceFlow, untrusted_page

PROMISE = "with something that is not what the API promises"
PROXY_HINT = ("A proxy or a wrong AWS_ENDPOINT_URL_* setting often does this; check them, "
              "then try again.")


@pytest.fixture
def session(config_file, runtime):
    return load_config(runtime).profile("dev").sso


def flow_of(session, runtime, **kwargs):
    events: list = []
    return DeviceFlow(session, runtime=runtime, listener=events.append, **kwargs), events


def failure_of(flow) -> Exception:
    with pytest.raises(Exception) as caught:  # each test names the kind it wants
        flow.run()
    return caught.value


def slow_retries(seconds: float):
    """A sleep callback: each back-off also loses ``seconds`` (a slow network's attempts)."""
    return lambda clock: clock.advance(seconds)


# ---- answers that are not what the API promises ------------------------------------------

def test_a_start_answer_without_its_fields_names_each_one(session, runtime, emulator):
    emulator.state.set_fault("StartDeviceAuthorization", hollow=1)
    error = failure_of(flow_of(session, runtime)[0])
    assert isinstance(error, BadAnswerError)
    assert str(error) == (f"IAM Identity Center answered the request to start the sign-in {PROMISE}"
                          " (missing deviceCode, userCode, verificationUri, expiresIn). "
                          + PROXY_HINT)


def test_a_start_answer_whose_lifetime_no_date_can_hold_says_which_fields(session, runtime,
                                                                          emulator):
    emulator.state.set_fault("StartDeviceAuthorization", misshapen=[{
        "deviceCode": "d", "userCode": "ABCD-EFGH", "verificationUri": f"{emulator.url}/device",
        "expiresIn": 10**20, "interval": 1}])  # a number, but not seconds any date can add
    error = failure_of(flow_of(session, runtime)[0])
    assert str(error) == (f"IAM Identity Center answered the request to start the sign-in {PROMISE}"
                          " (interval or expiresIn is not what it should be). " + PROXY_HINT)


@pytest.mark.parametrize(("body", "detail"), [
    ({"tokenType": "Bearer", "expiresIn": 28800}, "missing accessToken"),
    ({"accessToken": "a", "tokenType": "Bearer"}, "missing expiresIn"),
    ({"accessToken": "a", "expiresIn": 10**12}, "expiresIn is not what it should be"),
])
def test_a_token_answer_without_its_fields_names_the_missing_one(session, runtime, emulator,
                                                                 clock, body, detail):
    clock.on_sleep.append(approve_when_asked(emulator))
    emulator.state.set_fault("CreateToken", misshapen=[body])
    flow, events = flow_of(session, runtime)
    error = failure_of(flow)
    assert str(error) == ("IAM Identity Center answered the request to check whether you "
                          f"allowed access {PROMISE} ({detail}). " + PROXY_HINT)
    assert events[-1] == Failed("my-sso", "error", str(error))


@pytest.mark.parametrize("body", [[], {"accessToken": "a", "expiresIn": "soon"}])
def test_a_broken_token_answer_is_a_bad_answer_not_a_refused_sign_in(session, runtime,
                                                                     emulator, clock, body):
    """botocore's parser gives up on these bodies itself: the line is still the answer's."""
    clock.on_sleep.append(approve_when_asked(emulator))
    emulator.state.set_fault("CreateToken", misshapen=[body])
    error = failure_of(flow_of(session, runtime)[0])
    assert isinstance(error, BadAnswerError)
    assert str(error).startswith("IAM Identity Center answered the request to check whether "
                                 f"you allowed access {PROMISE} (")


# ---- refusals and failures while waiting for the approval ----------------------------------

def test_a_registration_forgotten_while_waiting_is_a_refused_sign_in(session, runtime,
                                                                     emulator, clock):
    clock.on_sleep.append(lambda _: emulator.state.forget_clients())
    flow, events = flow_of(session, runtime)
    error = failure_of(flow)
    assert isinstance(error, LoginFailedError) and error.reason == "error"
    assert str(error) == ("IAM Identity Center refused the sign-in (InvalidClientException). "
                          "Run login again; if it keeps failing, check sso_start_url and "
                          "sso_region.")
    assert events[-1] == Failed("my-sso", "error", str(error))


def test_a_token_endpoint_that_keeps_failing_says_so_word_for_word(session, runtime, emulator):
    emulator.state.set_fault("CreateToken", errors=100_000)
    flow, events = flow_of(session, runtime)
    error = failure_of(flow)
    assert isinstance(error, ServiceError)
    assert str(error) == (
        "IAM Identity Center kept failing for 45 s while waiting for you to allow access "
        "(InternalServerException). Nothing was saved. Try again in a moment; if it keeps "
        "failing, check the network or proxy.")
    assert error.code == "InternalServerException" and error.retry_helps
    assert events[-1] == Failed("my-sso", "error", str(error))


@pytest.mark.parametrize(("share", "given_up_after", "asked"), [
    # Each poll's ten attempts fail at once, 5 s apart: the ninth poll, 40 s after the first,
    # is the last whose successor would still come within the 45 s.
    (0.0, 40.0, 90),
    # Each poll backs off 9.15 s in all: three whole polls (to 37.45 s), and a fourth, asked at
    # 42.45 s, whose 2.55 s left end before its sixth attempt's 1.6 s back-off, at 44 s.
    (1.0, 44.0, 36),
])
def test_polls_that_keep_failing_are_given_up_on_where_the_45_s_would_be_passed(
        session, runtime, emulator, clock, share, given_up_after, asked):
    emulator.state.update_settings(interval=5)
    emulator.state.set_fault("CreateToken", errors=100_000)
    flow, _ = flow_of(session, replace(runtime, jitter=lambda: share))
    error = failure_of(flow)
    assert str(error).startswith("IAM Identity Center kept failing for 45 s while waiting for "
                                 "you to allow access (InternalServerException).")
    polls = emulator.state.requests("CreateToken")
    assert clock.time() - polls[0]["time"] == pytest.approx(given_up_after)
    assert len(polls) == asked


# A poll's ten attempts sleep nine back-offs of at most 9.15 s in all (full jitter), each
# made `slow` seconds longer here: so the first poll ends between 9 * slow and that + 9.15.
@pytest.mark.parametrize(("slow", "interval", "polls"), [
    (3.9, 10, 1),  # it ends at 35 to 44 s: no time for the 10 s wait
    (3, 5, 2),  # it ends at 27 to 36 s: a second poll gets what is left of the 45 s
])
def test_the_failing_token_endpoint_is_given_up_45_s_after_it_began_failing(
        session, runtime, emulator, clock, slow, interval, polls):
    """Consecutive failing polls share one 45 s, counted from the first failure: the flow
    gives up before a wait that would end past it, and a last poll gets only what is left."""
    emulator.state.update_settings(interval=interval)
    emulator.state.set_fault("CreateToken", errors=100_000)
    clock.on_sleep.append(slow_retries(slow))
    began = clock.time()
    failure_of(flow_of(session, runtime)[0])
    asked = len(emulator.state.requests("CreateToken"))
    assert asked == 10 if polls == 1 else asked > 10
    assert clock.time() - began <= 45 + slow  # the one slow attempt that crosses the line


def test_the_server_saying_the_code_expired_ends_the_flow_at_once(session, runtime, emulator,
                                                                 clock):
    """IAM Identity Center may end a code before its expiresIn: its word is taken."""
    emulator.state.update_settings(device_code_expiry=600, device_code_grace=-590)
    flow, _ = flow_of(session, runtime)
    error = failure_of(flow)
    assert isinstance(error, LoginFailedError) and error.reason == "expired"
    assert sum(clock.slept) < 20  # at the server's word, not at expiresIn ten minutes on
    assert emulator.state.requests("CreateToken")[-1]["error"] == "ExpiredTokenException"


# ---- what the flow carries ----------------------------------------------------------------

def test_each_pending_answer_says_which_session_waits_and_how_long_is_left(session, runtime,
                                                                          emulator, clock):
    emulator.state.update_settings(device_code_expiry=600, interval=5)
    clock.on_sleep.append(lambda c: len(c.slept) == 2 and emulator.approve())
    flow, events = flow_of(session, runtime)
    flow.run()
    waiting = [e for e in events if isinstance(e, StillWaiting)]
    assert waiting == [StillWaiting("my-sso", 600.0), StillWaiting("my-sso", 595.0)]


def test_the_last_wait_ends_at_the_codes_expiry(session, runtime, emulator, clock):
    emulator.state.update_settings(device_code_expiry=5, interval=2, device_code_grace=60)
    clock.on_sleep.append(lambda c: len(c.slept) == 1 and c.advance(0.5))
    flow, events = flow_of(session, runtime)
    failure_of(flow)
    assert clock.slept == [2, 2, 0.5]  # 0, 2.5, 4.5: half a second was left
    assert [e.seconds_left for e in events if isinstance(e, StillWaiting)] == [5, 2.5, 0.5]


def test_a_code_without_a_complete_link_gets_one_made_of_the_page_and_the_code(
        session, runtime, emulator):
    page = f"{emulator.url}/device"
    emulator.state.set_fault("StartDeviceAuthorization", misshapen=[{
        "deviceCode": "d", "userCode": "ABCD-EFGH", "verificationUri": page,
        "expiresIn": 600, "interval": 1}])
    flow, events = flow_of(session, runtime)
    flow.listener = lambda event: (events.append(event), flow.cancel())
    with pytest.raises(LoginCancelledError):
        flow.run()
    ready = events[0]
    assert isinstance(ready, CodeReady)
    assert ready.verification_uri_complete == f"{page}?user_code=ABCD-EFGH"


def test_a_cancel_during_a_failing_polls_back_off_stops_it(session, runtime, emulator, clock):
    emulator.state.set_fault("CreateToken", errors=100_000)
    flow, _ = flow_of(session, runtime)
    clock.on_sleep.append(lambda _: flow.cancel())
    with pytest.raises(LoginCancelledError):
        flow.run()
    assert len(emulator.state.requests("CreateToken")) == 1


def sign_in_then_forget(session, runtime, emulator, clock) -> None:
    """A sign-in whose registration the server then forgets: the next start is refused
    (InvalidClientException) and registers again."""
    clock.on_sleep.append(approve_when_asked(emulator))
    flow_of(session, runtime)[0].run()
    clock.on_sleep.clear()
    emulator.state.forget_clients()


def fail_from_the_first_back_off(emulator, operation: str):
    """A sleep callback: from the first back-off on, ``operation`` fails every time."""
    faulted: list[bool] = []

    def callback(_):
        if not faulted:
            faulted.append(True)
            emulator.state.set_fault(operation, errors=100_000)
    return callback


@pytest.mark.parametrize("forgotten", [False, True])
def test_the_start_of_a_sign_in_has_one_deadline_for_registering_and_starting(
        session, runtime, emulator, clock, forgotten):
    """Registering (again, when the server forgot the cached registration) and starting the
    authorization are one user action: together they give up after 45 s."""
    if forgotten:
        sign_in_then_forget(session, runtime, emulator, clock)
    emulator.state.set_fault("RegisterClient", errors=3)
    clock.on_sleep.append(fail_from_the_first_back_off(emulator, "StartDeviceAuthorization"))
    clock.on_sleep.append(slow_retries(10))
    began = clock.time()
    error = failure_of(flow_of(session, runtime)[0])
    assert isinstance(error, TimedOutError)
    assert str(error).startswith("Gave up after 45 s waiting for IAM Identity Center in "
                                 "us-east-1 to start the sign-in (last answer: "
                                 "InternalServerException).")
    assert clock.time() - began <= 45 + 10  # the one slow attempt that crosses the line
    starts = [r["error"] for r in emulator.state.requests("StartDeviceAuthorization")]
    assert ("InvalidClientException" in starts) == forgotten


def test_registering_again_takes_only_what_is_left_of_the_starts_deadline(
        session, runtime, emulator, clock):
    sign_in_then_forget(session, runtime, emulator, clock)
    emulator.state.set_fault("StartDeviceAuthorization", errors=2)  # then InvalidClient
    emulator.state.set_fault("RegisterClient", errors=100_000)
    clock.on_sleep.append(slow_retries(10))
    began = clock.time()
    error = failure_of(flow_of(session, runtime)[0])
    assert isinstance(error, TimedOutError)
    assert clock.time() - began <= 45 + 10  # not 45 more after the 20 s the start took


@pytest.mark.parametrize("forgotten", [False, True])
def test_a_cancel_during_the_registrations_back_off_stops_it(session, runtime, emulator, clock,
                                                             forgotten):
    if forgotten:
        sign_in_then_forget(session, runtime, emulator, clock)
    registered = len(emulator.state.requests("RegisterClient"))
    emulator.state.set_fault("RegisterClient", errors=100_000)
    flow, _ = flow_of(session, runtime)
    clock.on_sleep.append(lambda _: flow.cancel())
    with pytest.raises(LoginCancelledError):
        flow.run()
    assert len(emulator.state.requests("RegisterClient")) == registered + 1


def test_the_token_is_written_in_the_runtimes_home_and_returned_with_its_path(
        session, tmp_path, emulator, clock):
    from ssomagic.engine.files.token_cache import TokenCache
    from ssomagic.engine.runtime import Runtime

    runtime = Runtime(home=tmp_path / "elsewhere", environ={}, now=clock.now, sleep=clock.sleep)
    clock.on_sleep.append(approve_when_asked(emulator))
    token = flow_of(session, runtime)[0].run()
    assert token.path == TokenCache(runtime).token_path(session)
    assert token.path.is_relative_to(tmp_path / "elsewhere") and token.path.is_file()


@pytest.mark.parametrize(("registered", "path"), [(False, "/client/register"),
                                                  (True, "/device_authorization")])
def test_the_sign_in_goes_through_the_profiles_client_settings(
        session, runtime, emulator, clock, config_file, host_probe, monkeypatch, registered,
        path):
    """A profile's `[services]` endpoint for sso-oidc carries its sign-in, registration and
    start alike, as it carries the AWS CLI's."""
    if registered:
        clock.on_sleep.append(approve_when_asked(emulator))
        flow_of(session, runtime)[0].run()
    route_through(config_file, host_probe.url, service="sso_oidc")
    asked = host_probe.intercept(monkeypatch)
    with pytest.raises(ServiceError):
        flow_of(session, runtime, profile="dev")[0].run()
    assert set(asked) == {path}


def test_an_unreachable_start_names_the_service_and_the_sessions_region(
        session, runtime, emulator, clock, host_probe, monkeypatch):
    clock.on_sleep.append(approve_when_asked(emulator))
    flow_of(session, runtime)[0].run()  # registered: the start is the first call
    asked = host_probe.intercept(monkeypatch)
    error = failure_of(flow_of(session, runtime)[0])
    assert str(error).startswith("Could not reach IAM Identity Center in us-east-1 to start "
                                 "the sign-in (")
    assert set(asked) == {"oidc.us-east-1.amazonaws.com"}


def test_a_token_endpoint_that_failed_a_whole_call_and_then_recovers_signs_in_unseen(
        session, runtime, emulator, clock):
    """Ten failed attempts end one poll; the next poll retries within what is left of the
    45 s, and the sign-in goes on as if nothing had happened."""
    emulator.state.update_settings(interval=5)
    emulator.state.set_fault("CreateToken", errors=11)
    clock.on_sleep.append(approve_when_asked(emulator))
    flow, events = flow_of(session, runtime)
    flow.run()
    assert clock.slept.count(5) == 1  # one interval between the two polls: the second's own
    assert not any(isinstance(e, Failed) for e in events)  # retries carried it through


def test_a_network_that_keeps_dropping_the_polls_is_the_networks_fault(session, runtime,
                                                                      emulator):
    emulator.state.set_fault("CreateToken", resets=100_000)
    error = failure_of(flow_of(session, runtime)[0])
    assert str(error).startswith("IAM Identity Center kept failing for 45 s while waiting "
                                 "for you to allow access (")
    assert error.fault == "network"


def test_a_complete_link_from_the_service_is_shown_as_it_came(session, runtime, emulator):
    emulator.state.set_fault("StartDeviceAuthorization", misshapen=[{
        "deviceCode": "d", "userCode": "ABCD-EFGH", "verificationUri": f"{emulator.url}/",
        "verificationUriComplete": f"{emulator.url}/?user_code=ABCD-EFGH&from=aws",
        "expiresIn": 600, "interval": 1}])
    flow, events = flow_of(session, runtime)
    flow.listener = lambda event: (events.append(event), flow.cancel())
    with pytest.raises(LoginCancelledError):
        flow.run()
    assert events[0].verification_uri_complete == f"{emulator.url}/?user_code=ABCD-EFGH&from=aws"


def test_a_sign_in_page_without_a_host_is_refused_in_so_many_words():
    assert untrusted_page("", "oidc.us-east-1.amazonaws.com") == (
        "The sign-in page has no host: do not use it; ask your administrator.")


def test_a_sign_in_page_off_aws_and_off_the_endpoint_is_warned_of_in_so_many_words():
    assert untrusted_page("aws-login.example", "127.0.0.1") == (
        "The sign-in page is on aws-login.example, which is neither an AWS sign-in host nor "
        "the endpoint you configured. Enter nothing there unless you know why it is.")


def test_a_profile_whose_settings_name_the_endpoint_signs_in_through_them_from_start_to_end(
        session, runtime, emulator, clock, config_file, host_probe, monkeypatch):
    """With no endpoint variables, the profile's `[services]` endpoint alone reaches IAM
    Identity Center: registering again after the server forgot included."""
    sign_in_then_forget(session, runtime, emulator, clock)
    route_through(config_file, emulator.url, service="sso_oidc")
    asked = host_probe.intercept(monkeypatch)  # anything else would go out here, and fail
    clock.on_sleep.append(approve_when_asked(emulator))
    flow_of(session, runtime, profile="dev")[0].run()
    assert asked == []
    assert len(emulator.state.requests("RegisterClient")) == 2
