"""One deadline per user action, not per call: whoami, a credential fetch or a sign-in's reuse
of its token may make several calls (a renewal, GetRoleCredentials, STS, the account's name),
and on a network that hangs they answer together within the minute. A step the action can do
without (renewing a token that still serves, naming the account) takes only part of it.

The hung network is real: answers 30 s late, past the 10 s read timeout, on a clock run ten
times faster with the socket timeouts divided likewise (as in test_fault_matrix.py)."""

from __future__ import annotations

import pytest
from helpers import ScaledClock, approve_when_asked, scaled_emulator

from ssomagic import api
from ssomagic.engine import timing
from ssomagic.engine.errors import ListingIncompleteError, SsoMagicError, TimedOutError

SCALE = 10
LATE = 30 / SCALE  # real seconds: 30 s as the user waits them
MINUTE = 60.0
# The optional step's share, one attempt that crosses it, and the CPU time between the waits.
SHARE_AND_ONE_ATTEMPT = timing.OPTIONAL_STEP + timing.READ_TIMEOUT + 5


def quiet(event):
    pass


@pytest.fixture
def hung(config_file, home, monkeypatch):
    """(runtime, emulator, clock) on the scaled clock, signed in to dev, no listing on disk."""
    with scaled_emulator(SCALE, home, monkeypatch, socket_timeouts=True) as (
            runtime, emulator, clock):
        emulator.state.update_settings(interval=1)
        clock.on_sleep.append(approve_when_asked(emulator))
        api.login("dev", runtime=runtime, listener=quiet)
        for listing in runtime.own_cache_dir.glob("listing-*.json"):
            listing.unlink()
        yield runtime, emulator, clock


def into_refresh_window(clock: ScaledClock) -> None:
    clock.advance(8 * 3600 - 5 * 60)  # the token has 5 minutes left: due, and still serving


def timed(clock: ScaledClock, action):
    started = clock.time()
    try:
        return action(), clock.time() - started
    except SsoMagicError as exc:
        return exc, clock.time() - started


def test_whoami_on_a_hung_network_in_the_refresh_window_answers_within_the_minute(hung):
    runtime, emulator, clock = hung
    into_refresh_window(clock)
    emulator.state.set_fault("CreateToken", latency=LATE)
    emulator.state.set_fault("GetRoleCredentials", latency=LATE)
    outcome, elapsed = timed(clock, lambda: api.whoami("dev", runtime=runtime))
    assert isinstance(outcome, TimedOutError), outcome
    assert "give credentials for" in str(outcome)
    assert elapsed <= MINUTE
    assert emulator.state.arrivals.get("CreateToken", 0) >= 2  # the login's, and a renewal's


def test_a_renewal_the_token_can_do_without_takes_only_its_share_of_the_minute(hung):
    runtime, emulator, clock = hung
    into_refresh_window(clock)
    emulator.state.set_fault("CreateToken", latency=LATE)
    asked = emulator.state.arrivals.get("CreateToken", 0)
    outcome, elapsed = timed(clock, lambda: api.whoami("dev", runtime=runtime))
    assert not isinstance(outcome, SsoMagicError), outcome
    assert emulator.state.arrivals.get("CreateToken", 0) > asked  # the renewal was tried
    assert elapsed <= SHARE_AND_ONE_ATTEMPT


def test_a_renewal_the_token_needs_may_take_the_whole_minute(hung):
    """An expired token cannot serve: its renewal is no optional step, and two late answers
    (20 s, more than the optional share) do not end it."""
    runtime, emulator, clock = hung
    clock.advance(8 * 3600 + 60)
    emulator.state.set_fault("CreateToken", latency=LATE, late=2)
    outcome, elapsed = timed(clock, lambda: api.whoami("dev", runtime=runtime))
    assert not isinstance(outcome, SsoMagicError), outcome
    assert elapsed > timing.OPTIONAL_STEP


def test_the_accounts_name_is_left_out_rather_than_waited_for(hung):
    runtime, emulator, clock = hung
    emulator.state.set_fault("ListAccounts", latency=LATE)
    outcome, elapsed = timed(clock, lambda: api.whoami("dev", runtime=runtime))
    assert not isinstance(outcome, SsoMagicError), outcome
    assert outcome.account_name is None and outcome.account_id
    assert emulator.state.arrivals.get("ListAccounts", 0) >= 1
    assert elapsed <= SHARE_AND_ONE_ATTEMPT


def test_the_accounts_name_is_left_out_while_the_portal_throttles_the_listing(hung):
    """A throttled listing is paced, not failed, for as long as its deadline allows: the
    name's optional share ends it, and whoami answers with the account's id alone."""
    runtime, emulator, clock = hung
    emulator.state.set_fault("ListAccounts", throttle=100_000)
    outcome, elapsed = timed(clock, lambda: api.whoami("dev", runtime=runtime))
    assert not isinstance(outcome, SsoMagicError), outcome
    assert outcome.account_name is None and outcome.account_id == "111122223333"
    assert emulator.state.arrivals.get("ListAccounts", 0) >= 2  # paced and tried again
    assert timing.OPTIONAL_STEP - 5 <= elapsed <= SHARE_AND_ONE_ATTEMPT


@pytest.mark.parametrize(("operation", "doing"), [
    ("ListAccounts", "list your accounts"),
    ("ListAccountRoles", "list your roles in account "),
])
def test_a_portal_that_stops_answering_is_named_not_taken_for_an_org_too_large(
        hung, operation, doing):
    """An org too large for the minute is told how far its listing got; a portal that answers
    nothing at all is a hung network, and populate would hang the same."""
    runtime, emulator, clock = hung
    emulator.state.set_fault(operation, latency=LATE)
    outcome, elapsed = timed(clock, lambda: api.accounts(sso_session="my-sso", runtime=runtime))
    assert isinstance(outcome, TimedOutError), outcome
    assert not isinstance(outcome, ListingIncompleteError), outcome
    assert str(outcome).startswith(
        "Gave up after 45 s waiting for the AWS access portal in us-east-1 to " + doing), outcome
    assert "(last answer: ReadTimeoutError). Nothing was changed here." in str(outcome)
    assert elapsed <= MINUTE


def test_a_sign_in_that_reuses_its_token_renews_and_checks_it_within_the_minute(hung):
    """In the refresh window a login renews the token (it must: a sign-in promises more than
    15 minutes), then checks it with the portal; both hang here, and together they take no
    more than the minute before the new device flow starts."""
    runtime, emulator, clock = hung
    clock.advance(8 * 3600 - 10 * 60)
    emulator.state.set_fault("CreateToken", latency=LATE, late=3)
    emulator.state.set_fault("ListAccounts", latency=LATE)
    said = []
    started = clock.time()

    def listener(event):
        said.append((clock.time() - started, type(event).__name__))

    api.login("dev", runtime=runtime, listener=listener)
    assert said and said[0][0] <= MINUTE, said
