"""The device authorizations a process keeps (engine/signin/authorizations.py): a running one's
code is shown to a second sign-in, a stopped one is taken up again while approving it can still
sign in, and a logout drops the stopped ones so that a late approval signs nobody back in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ssomagic.engine.config.read import SsoSession
from ssomagic.engine.events import CodeReady
from ssomagic.engine.files.token_cache import Registration
from ssomagic.engine.runtime import Runtime
from ssomagic.engine.signin.authorizations import (
    RESUME_MARGIN,
    Authorization,
    Authorizations,
    stopped_note,
)

SSO = SsoSession("my-sso", "https://d-1234567890.awsapps.com/start", "us-east-1")
OTHER = SsoSession("other", "https://d-9999999999.awsapps.com/start", "eu-west-1")


@pytest.fixture
def kept() -> Authorizations:
    return Authorizations()


def authorization(runtime, *, code_left=timedelta(minutes=10),
                  registration_left=timedelta(days=90)) -> Authorization:
    now = runtime.now()
    code = CodeReady("my-sso", "ABCD-EFGH", "https://device.example/", "https://device.example/"
                     "?user_code=ABCD-EFGH", now + code_left, 1.0)
    return Authorization(code, "device-code-secret",
                         Registration("client", "client-secret", now + registration_left))


def test_a_running_authorization_shows_its_code_to_a_second_sign_in(kept, runtime):
    it = authorization(runtime)
    kept.started(SSO, runtime, it)
    assert kept.running_code(SSO, runtime) == it.code
    assert kept.running_code(OTHER, runtime) is None
    assert kept.stopped_one(SSO, runtime) is None  # running: not for taking up


def test_a_stopped_authorization_is_taken_up_once(kept, runtime):
    it = authorization(runtime)
    kept.started(SSO, runtime, it)
    assert kept.stopped(SSO, runtime) == it.code
    assert kept.running_code(SSO, runtime) is None
    assert kept.stopped_one(SSO, runtime) is it  # looking does not take it
    assert kept.stopped_one(SSO, runtime, take=True) is it
    assert kept.stopped_one(SSO, runtime) is None


def test_stopping_what_never_started_stops_nothing(kept, runtime):
    assert kept.stopped(SSO, runtime) is None


def test_a_stopped_code_near_its_end_is_not_taken_up(kept, runtime, clock):
    kept.started(SSO, runtime, authorization(runtime, code_left=RESUME_MARGIN))
    kept.stopped(SSO, runtime)
    assert kept.stopped_one(SSO, runtime) is not None  # exactly the margin left: still
    clock.advance(1)
    assert kept.stopped_one(SSO, runtime) is None


def test_a_stopped_code_whose_registration_expired_is_not_taken_up(kept, runtime, clock):
    kept.started(SSO, runtime, authorization(runtime, registration_left=timedelta(minutes=5)))
    kept.stopped(SSO, runtime)
    clock.advance(299)
    assert kept.stopped_one(SSO, runtime) is not None
    clock.advance(1)
    assert kept.stopped_one(SSO, runtime) is None


def test_an_ended_flow_leaves_nothing(kept, runtime):
    kept.started(SSO, runtime, authorization(runtime))
    kept.ended(SSO, runtime)
    assert kept.running_code(SSO, runtime) is None and kept.stopped(SSO, runtime) is None
    kept.ended(SSO, runtime)  # twice: nothing to end


def test_authorizations_are_kept_per_home(kept, runtime, tmp_path):
    other_home = Runtime(home=tmp_path / "other", environ={}, now=runtime.now)
    kept.started(SSO, runtime, authorization(runtime))
    assert kept.running_code(SSO, other_home) is None


def test_a_logout_drops_the_stopped_ones_of_its_session_and_keeps_running_ones(kept, runtime):
    kept.started(SSO, runtime, authorization(runtime))
    kept.stopped(SSO, runtime)
    kept.started(OTHER, runtime, authorization(runtime))
    kept.stopped(OTHER, runtime)
    kept.forget(SSO)
    assert kept.stopped_one(SSO, runtime) is None and kept.stopped_one(OTHER, runtime)
    running = authorization(runtime)
    kept.started(SSO, runtime, running)
    kept.forget(None)  # logout --all
    assert kept.stopped_one(OTHER, runtime) is None
    assert kept.running_code(SSO, runtime) == running.code


def test_the_device_code_and_secrets_never_show_in_a_repr(runtime):
    text = repr(authorization(runtime))
    assert "device-code-secret" not in text and "client-secret" not in text


def test_the_stopped_note_says_how_long_the_code_stays_good_and_what_to_run(runtime, clock):
    code = authorization(runtime, code_left=timedelta(minutes=4, seconds=9)).code
    assert stopped_note(code, runtime) == (
        "Code ABCD-EFGH stays valid for 4m 09s: if you allow access anyway, the next login "
        "signs in with it, without a new code.")
    clock.advance(600)
    assert stopped_note(code, runtime, "%sso login").startswith(
        "Code ABCD-EFGH stays valid for 0s: if you allow access anyway, the next %sso login ")
