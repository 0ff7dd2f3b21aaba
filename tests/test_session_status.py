"""What `status` says of an sso-session, read from the cache alone
(engine/signin/session_status.py): each state, the time left at the reading, and the sentence
the front ends show."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ssomagic.engine.config.read import SsoSession
from ssomagic.engine.files import rejections
from ssomagic.engine.files.token_cache import TokenCache, format_time, token_document
from ssomagic.engine.runtime import Runtime
from ssomagic.engine.signin.session_status import SessionStatus, session_status
from ssomagic.engine.timing import format_duration

START_URL = "https://d-1234567890.awsapps.com/start"
SSO = SsoSession("my-sso", START_URL, "us-east-1")
LEGACY = SsoSession(None, START_URL, "us-east-1")


@pytest.fixture
def runtime(tmp_path, clock):
    """A home of its own, away from the process's HOME: status reads the runtime's caches."""
    return Runtime(home=tmp_path / "elsewhere", environ={}, now=clock.now, sleep=clock.sleep)


def signed_in(runtime, session=SSO, *, left=timedelta(hours=1), refresh: str | None = "aor-x"):
    TokenCache(runtime).save_token(session, token_document(
        start_url=session.start_url, region=session.region, access_token="aoa-token",
        expires_at=runtime.now() + left, client_id="client", client_secret="secret",
        registration_expires_at=format_time(runtime.now() + timedelta(days=90)),
        refresh_token=refresh))


def test_no_token_file_is_signed_out(runtime):
    status = session_status(SSO, runtime)
    assert (status.state, status.expires_at, status.seconds_left) == ("signed out", None, 0.0)
    assert str(status) == "my-sso: signed out"


def test_a_valid_token_is_signed_in_with_the_time_left_at_the_reading(runtime, clock):
    signed_in(runtime, left=timedelta(minutes=65, seconds=30))
    status = session_status(SSO, runtime)
    assert status.signed_in and status.as_of == clock.now()
    assert status.seconds_left == 65 * 60 + 30
    assert str(status) == (f"my-sso: signed in, 1h 05m left "
                           f"(until {format_time(status.expires_at)})")


def test_the_reading_stays_what_it_was_as_the_clock_moves_on(runtime, clock):
    signed_in(runtime, left=timedelta(minutes=10))
    status = session_status(SSO, runtime)
    clock.advance(300)
    assert status.seconds_left == 600  # a reading, as a card's: read again for a new one
    assert session_status(SSO, runtime).seconds_left == 300


def test_a_token_with_a_second_left_is_still_signed_in(runtime):
    signed_in(runtime, left=timedelta(seconds=1))  # the file says whole seconds
    assert session_status(SSO, runtime).signed_in


def test_a_token_at_its_expiry_is_expired(runtime):
    signed_in(runtime, left=timedelta(0))
    status = session_status(SSO, runtime)
    assert not status.signed_in and status.state == "expired" and status.seconds_left == 0


def test_an_expired_token_that_can_be_refreshed_says_the_next_use_refreshes_it(runtime):
    signed_in(runtime, left=timedelta(seconds=-5))
    status = session_status(SSO, runtime)
    assert status.refreshable
    assert str(status) == (f"my-sso: expired at {format_time(status.expires_at)}; the next "
                           "use refreshes it")


def test_an_expired_token_without_a_refresh_token_just_says_when_it_expired(runtime):
    signed_in(runtime, left=timedelta(seconds=-5), refresh=None)
    status = session_status(SSO, runtime)
    assert not status.refreshable
    assert str(status) == f"my-sso: expired at {format_time(status.expires_at)}"


def test_a_token_the_server_refused_is_rejected_with_the_command_to_sign_in(runtime):
    signed_in(runtime)
    rejections.remember(SSO, "aoa-token", runtime)
    status = session_status(SSO, runtime)
    assert status.state == "rejected" and not status.signed_in
    assert status.expires_at == TokenCache(runtime).load_token(SSO).expires_at
    assert str(status) == ("my-sso: rejected: the server ended this sign-in; sign in again "
                           "(`ssomagic login --sso-session my-sso`)")


def test_a_rejected_legacy_start_url_names_no_command_it_could_not_take(runtime):
    signed_in(runtime, LEGACY)
    rejections.remember(LEGACY, "aoa-token", runtime)
    assert str(session_status(LEGACY, runtime)) == (
        f"{START_URL}: rejected: the server ended this sign-in; sign in again")


def test_a_token_file_that_cannot_be_read_is_unreadable_and_says_why(runtime):
    path = TokenCache(runtime).token_path(SSO)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"startUrl": "x"}')
    status = session_status(SSO, runtime)
    assert status.state == "unreadable" and status.problem and str(path) in status.problem
    assert str(status) == f"my-sso: unreadable: {status.problem}"


def test_a_status_names_its_session_start_url_and_region(runtime):
    status = session_status(SSO, runtime)
    assert (status.session, status.start_url, status.region) == ("my-sso", START_URL,
                                                                 "us-east-1")
    assert session_status(LEGACY, runtime).session == START_URL


def test_ipython_prints_a_status_as_its_sentence():
    printed: list[str] = []

    class Printer:
        def text(self, value: str) -> None:
            printed.append(value)

    SessionStatus("my-sso", START_URL, "us-east-1", "signed out")._repr_pretty_(Printer(), False)
    assert printed == ["my-sso: signed out"]


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (59.9, "59s"), (60, "1m 00s"), (249, "4m 09s"), (3600, "1h 00m"),
    (3900, "1h 05m"), (-3, "0s"),
])
def test_durations_read_as_a_person_reads_them(seconds, text):
    assert format_duration(seconds) == text
