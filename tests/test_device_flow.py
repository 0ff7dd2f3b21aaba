"""The device authorization flow: every outcome, against the emulator, on a fake clock."""

from __future__ import annotations

import threading
import time

import pytest
from helpers import approve_when_asked

from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import LoginCancelledError, LoginFailedError, ServiceError
from ssomagic.engine.events import CodeReady, Failed, SignedIn, StillWaiting
from ssomagic.engine.files.token_cache import TokenCache
from ssomagic.engine.signin.authorizations import stopped_code, stopped_note
from ssomagic.engine.signin.device_flow import DeviceFlow


@pytest.fixture
def session(config_file, runtime):
    return load_config(runtime).profile("dev").sso


def run_flow(session, runtime, **kwargs):
    events = []
    flow = DeviceFlow(session, runtime=runtime, listener=events.append, **kwargs)
    return flow, events


def test_approval_signs_in_and_writes_the_token(session, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    flow, events = run_flow(session, runtime)
    token = flow.run()
    assert TokenCache(runtime).load_token(session).access_token == token.access_token
    assert isinstance(events[0], CodeReady)
    assert isinstance(events[-1], SignedIn)
    assert events[-1].expires_at == token.expires_at


def test_code_ready_carries_the_code_and_the_verification_links(session, runtime, emulator,
                                                                 clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    flow, events = run_flow(session, runtime)
    flow.run()
    ready = events[0]
    assert ready.user_code in ready.verification_uri_complete
    assert ready.verification_uri == f"{emulator.url}/device"
    assert (ready.expires_at - clock.now()).total_seconds() <= 600


def test_pending_keeps_polling_at_the_server_interval(session, runtime, emulator, clock):
    emulator.state.update_settings(interval=2)
    approvals = iter(range(3))

    def approve_on_third_sleep(_):
        if next(approvals, None) is None:
            emulator.approve()

    clock.on_sleep.append(approve_on_third_sleep)
    flow, events = run_flow(session, runtime)
    flow.run()
    assert clock.slept == [2, 2, 2, 2]
    assert sum(isinstance(e, StillWaiting) for e in events) == 4


def test_slow_down_adds_five_seconds_to_the_interval(session, runtime, emulator, clock):
    emulator.state.set_fault("CreateToken", slow_down=1)
    clock.on_sleep.append(lambda c: len(c.slept) == 2 and emulator.approve())
    flow, _ = run_flow(session, runtime)
    flow.run()
    assert clock.slept[:2] == [6, 6]


def test_denied_on_the_page_ends_with_reason_denied(session, runtime, emulator, clock):
    clock.on_sleep.append(lambda _: emulator.state.pending_user_codes() and emulator.deny())
    flow, events = run_flow(session, runtime)
    with pytest.raises(LoginFailedError) as caught:
        flow.run()
    assert caught.value.reason == "denied"
    assert str(caught.value) == ("Sign-in was denied on the verification page. Run login again "
                                 "and choose Allow.")
    assert isinstance(events[-1], Failed) and events[-1].reason == "denied"
    assert TokenCache(runtime).load_token(session) is None


def test_code_expiring_on_the_server_ends_with_reason_expired(session, runtime, emulator, clock):
    emulator.state.update_settings(device_code_expiry=5)
    # The server says expired while the client still thinks it has time left.
    clock.on_sleep.append(lambda c: c.advance(10))
    flow, events = run_flow(session, runtime)
    with pytest.raises(LoginFailedError) as caught:
        flow.run()
    assert caught.value.reason == "expired"
    assert str(caught.value) == ("The sign-in code expired before it was approved. Run login "
                                 "again and approve the new code in time.")
    assert events[-1].reason == "expired" and events[-1].message == str(caught.value)


def test_polling_stops_at_expires_in_without_a_server_verdict(session, runtime, emulator, clock):
    # The server would still take the code for an hour: only the client's own deadline stops it.
    emulator.state.update_settings(device_code_expiry=30, interval=5, device_code_grace=3600)

    def never_hang(c):
        if sum(c.slept) > 120:
            raise AssertionError("still polling long after expiresIn")

    clock.on_sleep.append(never_hang)
    flow, _events = run_flow(session, runtime)
    with pytest.raises(LoginFailedError) as caught:
        flow.run()
    assert caught.value.reason == "expired"
    assert str(caught.value).startswith("The sign-in code expired before it was approved.")
    assert sum(clock.slept) == 30
    polls = emulator.state.requests("CreateToken")
    assert all(p["error"] == "AuthorizationPendingException" for p in polls)


def test_transient_errors_while_polling_are_retried_unseen(session, runtime, emulator, clock):
    emulator.state.set_fault("CreateToken", errors=3)
    clock.on_sleep.append(approve_when_asked(emulator))
    flow, events = run_flow(session, runtime)
    flow.run()
    statuses = [r["status"] for r in emulator.state.requests("CreateToken")]
    assert statuses[:3] == [500, 500, 500] and statuses[-1] == 200
    assert not any(isinstance(e, Failed) for e in events)


def test_a_token_endpoint_that_keeps_failing_is_reported_within_a_minute(
        session, runtime, emulator, clock):
    emulator.state.update_settings(device_code_expiry=600)
    emulator.state.set_fault("CreateToken", errors=10_000)
    flow, events = run_flow(session, runtime)
    with pytest.raises(ServiceError, match="kept failing for 45 s while waiting for you"):
        flow.run()
    assert sum(clock.slept) < 60  # not at the code's expiry, ten minutes on
    assert isinstance(events[-1], Failed) and events[-1].reason == "error"


def test_a_service_that_keeps_failing_says_to_try_again_not_to_fix_the_config(
        session, runtime, emulator, clock):
    emulator.state.set_fault("RegisterClient", errors=50)
    flow, _ = run_flow(session, runtime)
    with pytest.raises(ServiceError) as caught:
        flow.run()
    assert str(caught.value) == (
        "IAM Identity Center could not start the sign-in (InternalServerException), even after "
        "retrying. The service is busy or having trouble; nothing was changed here. Try again "
        "in a moment.")
    assert len(emulator.state.requests("RegisterClient")) > 1  # it did retry first


def test_an_unreachable_service_names_the_region_and_the_network(session, runtime, clock,
                                                                  monkeypatch, unused_port):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", f"http://127.0.0.1:{unused_port}")
    flow, _ = run_flow(session, runtime)
    with pytest.raises(ServiceError) as caught:
        flow.run()
    assert str(caught.value).startswith(
        "Could not reach IAM Identity Center in us-east-1 to start the sign-in "
        "(EndpointConnectionError), even after retrying. Check the network or proxy")
    assert len(clock.slept) > 1  # retried, as botocore retries a refused connection


def test_cancel_from_another_thread_stops_polling(session, runtime, emulator, clock):
    flow, events = run_flow(session, runtime)
    clock.on_sleep.append(lambda c: len(c.slept) == 3 and flow.cancel())
    with pytest.raises(LoginCancelledError):
        flow.run()
    assert len(emulator.state.requests("CreateToken")) == 3
    assert events[-1].reason == "cancelled"


def test_cancel_interrupts_a_real_wait_at_once(session, home, emulator):
    from ssomagic.engine.runtime import Runtime

    emulator.state.update_settings(interval=30)
    flow, _events = run_flow(session, Runtime(home=home))
    timer = threading.Timer(0.2, flow.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(LoginCancelledError):
        flow.run()
    assert time.monotonic() - started < 5  # not the 30 s interval
    assert len(emulator.state.requests("CreateToken")) == 1


def interrupt_flow(session, runtime, clock) -> tuple[DeviceFlow, list]:
    """A flow interrupted (KeyboardInterrupt) while its code waits; returns it and its events."""
    def interrupt(_):
        raise KeyboardInterrupt

    clock.on_sleep.append(interrupt)
    flow, events = run_flow(session, runtime)
    with pytest.raises(KeyboardInterrupt):
        flow.run()
    clock.on_sleep.remove(interrupt)
    return flow, events


def interrupted_flow(session, runtime, clock) -> CodeReady:
    """The code of a flow interrupted while it waits."""
    return interrupt_flow(session, runtime, clock)[1][0]


def test_keyboard_interrupt_reports_cancelled_and_propagates(session, runtime, emulator, clock):
    flow, events = interrupt_flow(session, runtime, clock)  # pytest.raises: it propagated
    assert events[-1].reason == "cancelled"
    assert events[-1].message.startswith("Sign-in cancelled. Code ")
    assert flow.cancelled


def test_the_line_ending_an_interrupted_flow_says_its_code_still_counts(session, runtime,
                                                                         emulator, clock):
    code = interrupted_flow(session, runtime, clock)
    assert stopped_code(session, runtime) == code
    assert code.user_code in stopped_note(code, runtime)
    assert "next login signs in with it" in stopped_note(code, runtime)


def test_a_code_approved_after_its_flow_was_interrupted_signs_in_at_the_next_login(
        session, runtime, emulator, clock):
    code = interrupted_flow(session, runtime, clock)
    emulator.approve(code.user_code)  # the page said "approved": it must be true
    flow, events = run_flow(session, runtime)
    token = flow.run()
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 1
    assert [type(e) for e in events] == [CodeReady, SignedIn]
    assert events[0].user_code == code.user_code
    assert TokenCache(runtime).load_token(session).access_token == token.access_token
    assert stopped_code(session, runtime) is None


def test_the_next_login_shows_the_stopped_code_again_while_it_waits(session, runtime, emulator,
                                                                    clock):
    code = interrupted_flow(session, runtime, clock)
    clock.on_sleep.append(approve_when_asked(emulator))
    _flow, events = run_flow(session, runtime)
    _flow.run()
    assert events[0] == code
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 1


def test_a_stopped_code_near_its_expiry_is_not_taken_up(session, runtime, emulator, clock):
    code = interrupted_flow(session, runtime, clock)
    clock.advance((code.expires_at - clock.now()).total_seconds() - 5)
    assert stopped_code(session, runtime) is None
    flow, events = run_flow(session, runtime)
    clock.on_sleep.append(lambda _: emulator.approve(events[0].user_code))
    flow.run()
    assert events[0].user_code != code.user_code
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 2


def test_a_logout_forgets_the_stopped_code(session, runtime, emulator, clock):
    from ssomagic.engine.signin.sign_out import logout_session

    interrupted_flow(session, runtime, clock)
    logout_session(session, runtime, load_config(runtime))
    assert stopped_code(session, runtime) is None


def test_registration_is_reused_by_the_next_login(session, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    run_flow(session, runtime)[0].run()
    run_flow(session, runtime)[0].run()
    assert len(emulator.state.requests("RegisterClient")) == 1
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 2


def test_registration_is_renewed_fifteen_minutes_before_it_expires(session, runtime, emulator,
                                                                    clock):
    emulator.state.update_settings(registration_lifetime=3600)
    clock.on_sleep.append(approve_when_asked(emulator))
    run_flow(session, runtime)[0].run()
    clock.advance(3600 - 14 * 60)
    run_flow(session, runtime)[0].run()
    assert len(emulator.state.requests("RegisterClient")) == 2


def test_a_registration_the_server_forgot_is_replaced(session, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    run_flow(session, runtime)[0].run()
    emulator.state.forget_clients()
    run_flow(session, runtime)[0].run()
    errors = [r["error"] for r in emulator.state.requests("StartDeviceAuthorization")]
    assert errors == [None, "InvalidClientException", None]
    assert len(emulator.state.requests("RegisterClient")) == 2


def test_no_event_carries_a_secret(session, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    flow, events = run_flow(session, runtime)
    flow.run()
    text = repr(events)
    secrets = emulator.state.issued_secrets()
    assert secrets and not [s for s in secrets if s in text]


def test_a_page_on_the_configured_endpoint_is_not_flagged(session, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    flow, events = run_flow(session, runtime)
    flow.run()
    assert events[0].warning is None


def test_a_verification_page_off_aws_and_off_the_endpoint_is_flagged(session, runtime, emulator,
                                                                     clock):
    from ssomagic.notebook.render import code_panel_html

    emulator.state.update_settings(verification_base="https://aws-login.example")
    clock.on_sleep.append(approve_when_asked(emulator))
    flow, events = run_flow(session, runtime)
    flow.run()
    assert events[0].warning.startswith("The sign-in page is on aws-login.example, which is "
                                        "neither an AWS sign-in host nor the endpoint")
    assert "ssomagic-phishing-warning" in code_panel_html(events[0], 60)


def test_aws_own_verification_hosts_are_trusted():
    from ssomagic.engine.signin.device_flow import untrusted_page

    assert untrusted_page("device.sso.eu-west-1.amazonaws.com", "oidc.eu-west-1.amazonaws.com") \
        is None


@pytest.mark.parametrize("refresh_tokens", [True, False])
def test_the_token_file_is_the_clis_key_by_key(session, runtime, emulator, clock, home,
                                               refresh_tokens):
    """startUrl, region, the token and its expiry from expiresIn, the registration it was
    made with; refreshToken only when the server sent one."""
    import json
    from datetime import timedelta

    from ssomagic.engine.files.token_cache import format_time

    emulator.state.update_settings(token_lifetime=5400, refresh_tokens=refresh_tokens)
    clock.on_sleep.append(approve_when_asked(emulator))
    flow, _ = run_flow(session, runtime)
    flow.run()
    signed_in_at = clock.now()  # approval is seen at the poll that ends the flow
    cache = TokenCache(runtime)
    registration = cache.load_registration(session)
    document = json.loads(cache.token_path(session).read_text())
    assert list(document) == ["startUrl", "region", "accessToken", "expiresAt", "clientId",
                              "clientSecret", "registrationExpiresAt",
                              *(["refreshToken"] if refresh_tokens else [])]
    assert (document["startUrl"], document["region"]) == (session.start_url, "us-east-1")
    assert document["expiresAt"] == format_time(signed_in_at + timedelta(seconds=5400))
    assert (document["clientId"], document["clientSecret"]) == (registration.client_id,
                                                               registration.client_secret)
    assert document["registrationExpiresAt"] == format_time(registration.expires_at)
    assert document["accessToken"].startswith("emu-access-")
    if refresh_tokens:
        assert document["refreshToken"].startswith("emu-refresh-")
