"""Renewing a sign-in as botocore's token provider does (engine/signin/tokens.py): its windows
to the second, its pace after a failure, what a failed renewal says, and the session lock
always let go. The runtime here has a home of its own, away from the process's HOME, so every
file is read where the runtime says."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from helpers import CONFIG, approve_when_asked, route_through

from ssomagic import api
from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import ServiceError
from ssomagic.engine.files import rejections
from ssomagic.engine.files.session_lock import SessionLock
from ssomagic.engine.files.token_cache import TokenCache, format_time
from ssomagic.engine.runtime import Runtime
from ssomagic.engine.signin import tokens
from ssomagic.engine.signin.tokens import RefreshPacer, current_token, refresh
from ssomagic.engine.timing import (
    MANDATORY_REFRESH_WINDOW,
    OPTIONAL_STEP,
    REFRESH_ATTEMPT_EVERY,
    REFRESH_WINDOW,
)

LIFETIME = timedelta(hours=8)  # the emulator's access tokens


@pytest.fixture
def runtime(tmp_path, clock):
    return Runtime(home=tmp_path / "elsewhere", environ={}, now=clock.now, sleep=clock.sleep)


@pytest.fixture
def session(runtime, emulator, clock):
    """Signed in to my-sso at the clock's start (CreateToken answered once), in the
    runtime's home, whose config the clients read for the profile's own settings."""
    runtime.config_file.parent.mkdir(parents=True)
    runtime.config_file.write_text(CONFIG)
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda event: None)
    return load_config(runtime).profile("dev").sso


def renewal_requests(emulator) -> list[dict]:
    """CreateToken requests after the sign-in (whose device flow polled it): renewals."""
    signed_in_at = next(r["time"] for r in emulator.state.requests("CreateToken")
                        if r["status"] == 200)
    return [r for r in emulator.state.requests("CreateToken") if r["time"] > signed_in_at]


def renewals(emulator) -> int:
    return sum(1 for r in renewal_requests(emulator) if r["status"] == 200)


def attempts(emulator) -> int:
    return len(renewal_requests(emulator))


def to_left(clock, left: timedelta) -> None:
    """Move the clock on until the sign-in made at its start has ``left`` to go."""
    clock.advance((LIFETIME - left).total_seconds())


# ---- the windows, to the second ----------------------------------------------------------

def test_a_token_with_exactly_the_refresh_window_left_is_not_renewed(session, runtime,
                                                                     emulator, clock):
    to_left(clock, REFRESH_WINDOW)
    assert current_token(session, runtime=runtime) is not None
    assert attempts(emulator) == 0


def test_a_token_a_second_inside_the_refresh_window_is_renewed(session, runtime, emulator,
                                                               clock):
    to_left(clock, REFRESH_WINDOW - timedelta(seconds=1))
    token = current_token(session, runtime=runtime)
    assert renewals(emulator) == 1 and token is not None
    assert token.remaining(clock.now()) == LIFETIME
    assert token.path == TokenCache(runtime).token_path(session)  # the file it was written to


def test_with_exactly_the_mandatory_window_left_a_held_lock_is_not_waited_for(session, runtime,
                                                                             emulator, clock):
    to_left(clock, MANDATORY_REFRESH_WINDOW)
    holder = SessionLock(session, runtime)
    assert holder.try_acquire()
    try:
        started = time.monotonic()
        assert current_token(session, runtime=runtime) is not None
        assert time.monotonic() - started < 5 and attempts(emulator) == 0
    finally:
        holder.release()


def test_a_token_must_have_more_than_the_time_asked_for(session, runtime, clock):
    clock.advance(3600)
    left = LIFETIME - timedelta(hours=1)
    assert current_token(session, runtime=runtime, min_remaining=left - timedelta(seconds=1))
    assert current_token(session, runtime=runtime, min_remaining=left,
                         wait=False) is None  # exactly that much is not more


def test_a_renewal_goes_through_the_profiles_client_settings(session, runtime, clock,
                                                             host_probe, monkeypatch):
    """Renewing for a profile uses that profile's settings (a `[services]` sso_oidc endpoint
    here, as a proxy or CA bundle would be), as botocore's token provider does."""
    route_through(runtime.config_file, host_probe.url, service="sso_oidc")
    asked = host_probe.intercept(monkeypatch)
    to_left(clock, REFRESH_WINDOW - timedelta(minutes=5))
    assert current_token(session, runtime=runtime, profile="dev") is not None  # still serves
    assert set(asked) == {"/token"}


def test_a_renewal_is_asked_of_the_sessions_region_not_the_profiles(session, runtime, clock,
                                                                   host_probe, monkeypatch):
    """dev's own region is eu-west-1; its sso-session's is us-east-1, where the token lives."""
    asked = host_probe.intercept(monkeypatch)
    to_left(clock, REFRESH_WINDOW - timedelta(minutes=5))
    assert current_token(session, runtime=runtime, profile="dev") is not None
    assert set(asked) == {"oidc.us-east-1.amazonaws.com"}


def test_whether_a_profile_is_signed_in_is_asked_through_its_client_settings(
        session, runtime, clock, host_probe, monkeypatch):
    route_through(runtime.config_file, host_probe.url, service="sso_oidc")
    asked = host_probe.intercept(monkeypatch)
    to_left(clock, REFRESH_WINDOW - timedelta(minutes=5))
    assert tokens.is_signed_in(load_config(runtime).profile("dev"), runtime)
    assert set(asked) == {"/token"}


def test_a_process_that_waited_for_the_lock_takes_the_token_the_holder_wrote(
        session, runtime, emulator, clock):
    to_left(clock, MANDATORY_REFRESH_WINDOW - timedelta(minutes=1))
    cache = TokenCache(runtime)
    renewed = dict(cache.load_token(session).data, accessToken="renewed-by-the-holder",
                   expiresAt=format_time(clock.now() + LIFETIME))
    holder = SessionLock(session, runtime)
    assert holder.try_acquire()
    found: list = []
    waiter = threading.Thread(target=lambda: found.append(current_token(session,
                                                                        runtime=runtime)))
    waiter.start()
    time.sleep(0.3)  # the waiter is waiting on the lock
    cache.save_token(session, renewed)  # `aws` renewed it meanwhile
    holder.release()
    waiter.join(10)
    assert found[0].access_token == "renewed-by-the-holder"
    assert attempts(emulator) == 0  # its rotated refresh token was not spent again


# ---- the pace after a failure ------------------------------------------------------------

def test_after_a_failed_renewal_the_next_attempt_waits_a_minute(session, runtime, emulator,
                                                                clock):
    to_left(clock, REFRESH_WINDOW - timedelta(minutes=5))  # advisory: a failure is not fatal
    emulator.state.set_fault("CreateToken", errors=1000)
    assert current_token(session, runtime=runtime) is not None  # the old one still serves
    tried = attempts(emulator)
    assert tried > 0
    clock.advance(REFRESH_ATTEMPT_EVERY.total_seconds() - 1)
    assert current_token(session, runtime=runtime) is not None
    assert attempts(emulator) == tried  # within the minute: not asked again
    emulator.state.clear_faults()
    clock.advance(1)
    current_token(session, runtime=runtime)
    assert renewals(emulator) == 1


def test_a_renewal_that_took_its_deadline_is_not_tried_again_in_the_same_action(
        session, runtime, emulator, clock):
    to_left(clock, MANDATORY_REFRESH_WINDOW - timedelta(minutes=5))
    emulator.state.set_fault("CreateToken", errors=1000)
    slow = lambda clock: clock.advance(10)  # noqa: E731  each retry of the renewal is slow
    clock.on_sleep.append(slow)
    tried_at = clock.now()
    assert current_token(session, runtime=runtime) is not None  # 5 minutes still serve
    clock.on_sleep.remove(slow)
    tried = attempts(emulator)
    # the renewal ran to its deadline: the optional step's share of the action's
    assert (clock.now() - tried_at).total_seconds() >= OPTIONAL_STEP - 1
    clock.advance((tried_at + REFRESH_ATTEMPT_EVERY - clock.now()).total_seconds() + 1)
    assert current_token(session, runtime=runtime) is not None  # the next call of the action
    assert attempts(emulator) == tried  # a minute after the renewal began, not after it ended


def test_the_pace_counts_from_the_end_of_an_attempt():
    pacer, now = RefreshPacer(), datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    assert pacer.may_attempt("a.json", now)
    pacer.ended("a.json", now + timedelta(seconds=50))
    assert not pacer.may_attempt("a.json", now + REFRESH_ATTEMPT_EVERY + timedelta(seconds=1))
    assert pacer.may_attempt("a.json", now + timedelta(seconds=50) + REFRESH_ATTEMPT_EVERY)


def test_a_renewal_whose_lifetime_no_date_can_hold_is_no_renewal(session, runtime, emulator,
                                                                  clock):
    to_left(clock, REFRESH_WINDOW - timedelta(minutes=5))
    before = TokenCache(runtime).load_token(session)
    emulator.state.set_fault("CreateToken", misshapen=[
        {"accessToken": "a", "tokenType": "Bearer", "expiresIn": 10**12}])
    token = current_token(session, runtime=runtime)  # the old one still serves; no traceback
    assert token is not None and token.access_token == before.access_token
    assert TokenCache(runtime).load_token(session).data == before.data


def test_the_pace_is_kept_per_token_file():
    pacer, now = RefreshPacer(), datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    assert pacer.may_attempt("a.json", now)
    assert not pacer.may_attempt("a.json", now)
    assert pacer.may_attempt("b.json", now)
    assert not pacer.may_attempt("a.json", now + REFRESH_ATTEMPT_EVERY - timedelta(seconds=1))
    assert pacer.may_attempt("a.json", now + REFRESH_ATTEMPT_EVERY)
    assert not pacer.may_attempt("a.json", now + REFRESH_ATTEMPT_EVERY)  # paced from then


def test_a_clock_set_back_does_not_stop_renewals_for_a_minute():
    pacer, now = RefreshPacer(), datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    assert pacer.may_attempt("a.json", now)
    assert pacer.may_attempt("a.json", now - timedelta(seconds=1))


# ---- what a failed renewal says ------------------------------------------------------------

def test_a_renewal_that_fails_at_the_moment_of_expiry_says_why_and_where(session,
                                                                                 runtime,
                                                                                 emulator,
                                                                                 clock):
    token = TokenCache(runtime).load_token(session)
    clock.advance((token.expires_at - clock.now()).total_seconds())
    emulator.state.set_fault("CreateToken", resets=1000)
    with pytest.raises(ServiceError) as caught:
        refresh(session, token, runtime=runtime, profile="dev")
    assert str(caught.value).startswith(
        "Could not renew the sign-in to my-sso, which has expired: Could not reach IAM Identity "
        "Center in us-east-1 to renew the sign-in (")
    assert caught.value.fault == "network" and caught.value.code


def test_at_the_second_of_expiry_a_failed_renewal_is_already_an_expired_ones(session, runtime,
                                                                             emulator, clock):
    token = TokenCache(runtime).load_token(session)
    clock.advance((token.expires_at - clock.now()).total_seconds())
    emulator.state.set_fault("CreateToken", garbage=1)  # not worth a retry: no time passes
    with pytest.raises(ServiceError, match="which has expired"):
        refresh(session, token, runtime=runtime)
    assert token.remaining(clock.now()) == timedelta(0)


def test_a_renewal_answered_without_its_fields_names_them(session, runtime, emulator, clock):
    token = TokenCache(runtime).load_token(session)
    clock.advance((token.expires_at - clock.now()).total_seconds())
    emulator.state.set_fault("CreateToken", hollow=1)
    with pytest.raises(ServiceError, match=r"which has expired: IAM Identity Center answered "
                                           r"the request to renew the sign-in with something "
                                           r".*\(missing accessToken, expiresIn\)"):
        refresh(session, token, runtime=runtime)


def test_a_registration_at_its_expiry_cannot_renew(session, runtime, emulator, clock):
    token = TokenCache(runtime).load_token(session)
    from ssomagic.engine.files.token_cache import parse_time

    until = parse_time(str(token.data["registrationExpiresAt"]))
    clock.advance((until - clock.now()).total_seconds())
    assert refresh(session, token, runtime=runtime) is None
    assert attempts(emulator) == 0


def test_a_refused_renewal_of_a_token_whose_file_is_gone_is_remembered(session, runtime,
                                                                      emulator, clock):
    token = TokenCache(runtime).load_token(session)
    TokenCache(runtime).token_path(session).unlink()
    emulator.state.revoke_tokens()
    assert refresh(session, token, runtime=runtime) is None
    assert rejections.is_rejected(session, token.access_token, runtime)


def test_a_refused_renewal_takes_the_token_another_tool_wrote_meanwhile(session, runtime,
                                                                        emulator, clock):
    """Refresh tokens rotate: once the AWS CLI renewed, ours is refused; the file the
    runtime reads holds the CLI's new token, which is taken instead of signing out."""
    ours = TokenCache(runtime).load_token(session)
    theirs = refresh(session, ours, runtime=runtime)  # as the CLI would, into the same file
    assert refresh(session, ours, runtime=runtime).access_token == theirs.access_token
    assert not rejections.is_rejected(session, ours.access_token, runtime)


# ---- the lock ------------------------------------------------------------------------------

def test_a_renewal_held_up_past_the_deadline_uses_what_the_file_holds_then(session, runtime,
                                                                          emulator, clock,
                                                                          monkeypatch):
    """The holder wrote a new token but never let go (a hung process): the waiter gives up at
    the deadline and takes what the file holds, not the token it came with."""
    waiting = threading.Event()

    class Watched(SessionLock):
        def acquire(self, timeout: float) -> bool:
            waiting.set()
            return super().acquire(timeout)

    monkeypatch.setattr(tokens, "SessionLock", Watched)
    monkeypatch.setattr(tokens, "ACTION_DEADLINE", 1.0)
    to_left(clock, MANDATORY_REFRESH_WINDOW - timedelta(minutes=5))
    old = TokenCache(runtime).load_token(session)
    holder = SessionLock(session, runtime)
    assert holder.try_acquire()
    got = []
    try:
        waiter = threading.Thread(
            target=lambda: got.append(current_token(session, runtime=runtime)))
        waiter.start()
        assert waiting.wait(10)
        new = refresh(session, old, runtime=runtime)  # written, but the lock never let go
        waiter.join(10)
        assert not waiter.is_alive()
        assert got[0] is not None and got[0].access_token == new.access_token != old.access_token
    finally:
        holder.release()


def test_a_profile_is_signed_in_while_its_sessions_token_serves(session, runtime, clock):
    dev = load_config(runtime).profile("dev")
    assert tokens.is_signed_in(dev, runtime)
    TokenCache(runtime).token_path(session).unlink()
    assert not tokens.is_signed_in(dev, runtime)


def test_a_profile_is_not_signed_in_once_its_token_has_expired(session, runtime, clock,
                                                               emulator):
    emulator.state.revoke_tokens()  # no renewal either
    to_left(clock, timedelta(seconds=-1))
    assert not tokens.is_signed_in(load_config(runtime).profile("dev"), runtime)
