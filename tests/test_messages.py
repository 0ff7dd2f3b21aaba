"""Saying what is really wrong: a clock that is off is named as the cause, with the offset;
a renewal that failed for a moment says that one thing."""

from __future__ import annotations

import pytest
from helpers import Approver, approve_when_asked

from ssomagic import api
from ssomagic.emulator import Emulator
from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import ServiceError
from ssomagic.engine.signin.tokens import current_token


def quiet(event):
    pass


@pytest.fixture
def clock_ahead_at_aws(config_file, home, monkeypatch):
    """AWS's clock 10 minutes ahead of this machine's: ours is 10 minutes slow."""
    with Emulator() as emulator:
        emulator.state.update_settings(clock_offset=600)
        for name, value in emulator.endpoint_env().items():
            monkeypatch.setenv(name, value)
        yield emulator


def test_a_clock_that_is_off_is_named_with_the_offset(clock_ahead_at_aws, capsys):
    from ssomagic.console.cli import main

    with Approver(clock_ahead_at_aws):
        assert main(["login", "dev"]) == 0
    capsys.readouterr()
    assert main(["whoami", "dev"]) == 1
    err = capsys.readouterr().err
    assert "This machine's clock is about 10m 00s behind the time at AWS STS" in err
    assert "timedatectl set-ntp true" in err
    assert "sso_start_url" not in err


def test_an_expired_sign_in_whose_renewal_fails_for_a_moment_says_only_that(
        config_file, runtime, emulator, clock, caplog):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    clock.advance(8 * 3600 + 60)  # expired, still refreshable
    emulator.state.set_fault("CreateToken", errors=100)
    session = load_config(runtime).profile("dev").sso
    with pytest.raises(ServiceError) as caught:
        current_token(session, runtime=runtime)
    message = str(caught.value)
    assert message.startswith("Could not renew the sign-in to my-sso, which has expired:")
    assert "Try again in a moment" in message
    assert "Sign in again" not in message
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_a_renewal_that_fails_while_the_token_still_serves_is_no_error(
        config_file, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    clock.advance(8 * 3600 - 5 * 60)  # five minutes left
    emulator.state.set_fault("CreateToken", errors=100)
    session = load_config(runtime).profile("dev").sso
    assert current_token(session, runtime=runtime) is not None
