"""Signing in: reuse, force, refresh, and one device flow per sso-session across processes."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from helpers import (
    Approver,
    approve_when_asked,
    live_runtime,
    route_through,
    run_python,
    short_sleep,
)

from ssomagic import api
from ssomagic.engine.config.read import load_config
from ssomagic.engine.events import SignedIn, WaitingForOtherLogin
from ssomagic.engine.files.token_cache import TokenCache
from ssomagic.engine.runtime import Runtime
from ssomagic.engine.signin.sign_in import SignIn
from ssomagic.engine.signin.tokens import current_token


def quiet(event):
    pass


def test_login_reuses_a_valid_cached_token_without_a_device_flow(config_file, runtime, emulator,
                                                                 clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    events = []
    status = api.login("prod", runtime=runtime, listener=events.append)  # same sso-session
    assert status.signed_in
    assert events == [SignedIn("my-sso", status.expires_at, reused=True)]
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 1


def test_a_network_fault_while_checking_the_sign_in_is_no_reason_to_sign_in_again(
        config_file, runtime, emulator, clock):
    """Only the server's refusal proves a sign-in over; a connection that fails proves
    nothing, so the cached token is reused and no new device flow starts."""
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    emulator.state.set_fault("ListAccounts", resets=1000)
    events = []
    status = api.login("dev", runtime=runtime, listener=events.append)
    assert status.signed_in and events[-1].reused
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 1
    assert emulator.state.requests("ListAccounts")  # the check was made, and failed


def test_checking_a_reused_sign_in_backs_off_on_the_runtimes_clock(config_file, runtime,
                                                                   emulator, clock):
    """The check is a portal call like any other: throttled, it backs off on the clock the
    runtime was given (so this test takes milliseconds), and the sign-in is reused."""
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    emulator.state.set_fault("ListAccounts", throttle=2)
    slept, asked = len(clock.slept), len(emulator.state.requests("ListAccounts"))
    events = []
    assert api.login("dev", runtime=runtime, listener=events.append).signed_in
    assert events[-1].reused and len(clock.slept) > slept  # (a jittered delay may be 0)
    assert len(emulator.state.requests("ListAccounts")) == asked + 3  # two refused, one taken
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 1


def test_a_sign_in_reads_as_its_sessions_status(config_file, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    result = SignIn(load_config(runtime).profile("dev"), runtime=runtime, listener=quiet).run()
    assert str(result) == str(result.status) and str(result).startswith("my-sso: signed in, ")


def test_force_starts_a_new_device_flow(config_file, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    api.login("dev", runtime=runtime, listener=quiet, force=True)
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 2


def test_login_prints_link_and_code_like_the_cli_without_a_listener(config_file, runtime,
                                                                     emulator, clock, capsys):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime)
    out = capsys.readouterr().out
    code = emulator.state.snapshot()["device_authorizations"][0]["user_code"]
    assert "Please visit the following URL:" in out
    assert f"{emulator.url}/device\n" in out and f"\n{code}\n" in out
    assert "Successfully signed in to my-sso" in out


def test_a_token_inside_the_refresh_window_is_refreshed(config_file, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    session = load_config(runtime).profile("dev").sso
    before = json.loads(TokenCache(runtime).token_path(session).read_text())
    clock.advance(8 * 3600 - 10 * 60)
    token = current_token(session, runtime=runtime)
    after = json.loads(TokenCache(runtime).token_path(session).read_text())
    assert token.access_token == after["accessToken"] != before["accessToken"]
    assert after["refreshToken"] != before["refreshToken"]
    assert list(after) == list(before)
    assert {k: after[k] for k in ("clientId", "clientSecret", "registrationExpiresAt")} == {
        k: before[k] for k in ("clientId", "clientSecret", "registrationExpiresAt")}
    assert after["expiresAt"] == (clock.now() + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_login_refreshes_instead_of_a_device_flow_when_it_can(config_file, runtime, emulator,
                                                              clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    clock.advance(8 * 3600 + 60)  # expired, but the refresh token still works
    assert api.login("dev", runtime=runtime, listener=quiet).signed_in
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 1
    grants = [r for r in emulator.state.requests("CreateToken") if r["status"] == 200]
    assert len(grants) == 2


def test_a_revoked_refresh_token_leads_to_a_new_device_flow(config_file, runtime, emulator,
                                                            clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    emulator.state.revoke_tokens()
    clock.advance(8 * 3600 + 60)
    assert api.login("dev", runtime=runtime, listener=quiet).signed_in
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 2


def test_an_expired_token_without_refresh_reads_as_expired(config_file, runtime, emulator, clock):
    emulator.state.update_settings(refresh_tokens=False)
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    clock.advance(8 * 3600 + 1)
    assert api.status("dev", runtime=runtime).state == "expired"
    assert current_token(load_config(runtime).profile("dev").sso, runtime=runtime) is None


@pytest.mark.parametrize("own_home", [False, True], ids=["the process's home", "its own"])
def test_two_threads_logging_in_make_one_device_authorization(config_file, home, tmp_path,
                                                              live_emulator, own_home):
    """The second waits for the first and takes its token; with a runtime of a home of its
    own, it finds that token, and the code the first shows, in that home."""
    if own_home:
        home = tmp_path / "elsewhere"
        (home / ".aws").mkdir(parents=True)
        (home / ".aws" / "config").write_text(config_file.read_text())
    runtime = Runtime(home=home, environ={}, sleep=short_sleep)
    session = load_config(runtime).profile("dev").sso
    events: list = []
    logins = [SignIn(session, runtime=runtime, listener=events.append) for _ in range(2)]
    with Approver(live_emulator, delay=0.3):
        threads = [threading.Thread(target=login.run) for login in logins]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert len(live_emulator.state.requests("StartDeviceAuthorization")) == 1
    assert any(isinstance(e, WaitingForOtherLogin) for e in events)
    assert sum(isinstance(e, SignedIn) for e in events) == 2


def test_two_processes_logging_in_make_one_device_authorization(config_file, home, tmp_path,
                                                                live_emulator):
    markers = [tmp_path / "first", tmp_path / "second"]
    code = """
        import pathlib, time, ssomagic
        from ssomagic.engine.runtime import Runtime
        pathlib.Path({marker!r}).touch()
        fast = Runtime(sleep=lambda s: time.sleep(min(s, 0.02)))
        print(ssomagic.login("dev", listener=lambda e: None, runtime=fast))
    """
    both_started = lambda: all(m.exists() for m in markers)  # noqa: E731
    with Approver(live_emulator, delay=0.5, ready=both_started):
        results = []
        threads = [threading.Thread(target=lambda m=m: results.append(
            run_python(code.format(marker=str(m))))) for m in markers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert all("my-sso: signed in" in r.stdout for r in results)
    assert len(live_emulator.state.requests("StartDeviceAuthorization")) == 1


def test_a_client_made_before_ssomagic_login_works_after_it(config_file, home, live_emulator):
    import ssomagic
    from ssomagic.engine.binding.kernel_binding import KernelBinding

    runtime = live_runtime(home)
    with Approver(live_emulator):
        ssomagic.login("dev", runtime=runtime, listener=quiet)
    sts = KernelBinding(runtime).session_for(load_config(runtime).profile("dev")).client("sts")
    assert sts.get_caller_identity()["Account"] == "111122223333"
    live_emulator.state.revoke_tokens(role_credentials=True)  # an administrator ends it all
    with Approver(live_emulator):
        ssomagic.login("dev", runtime=runtime, listener=quiet, force=True)
    assert sts.get_caller_identity()["Account"] == "111122223333"


def test_one_server_error_during_a_refresh_keeps_the_user_signed_in(config_file, runtime,
                                                                    emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    clock.advance(8 * 3600 - 10 * 60)
    emulator.state.set_fault("CreateToken", errors=1)
    status = api.login("dev", runtime=runtime, listener=quiet)
    assert status.signed_in and status.seconds_left > 7 * 3600  # refreshed, after a retry
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 1
    assert [r["status"] for r in emulator.state.requests("CreateToken")][-2:] == [500, 200]


def test_a_process_that_loses_the_refresh_lock_uses_the_winners_token(config_file, runtime,
                                                                       emulator, clock):
    from ssomagic.engine.files.session_lock import SessionLock
    from ssomagic.engine.signin.tokens import refresh

    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    session = load_config(runtime).profile("dev").sso
    clock.advance(8 * 3600 - 5 * 60)  # inside the mandatory window: everybody waits
    old = TokenCache(runtime).load_token(session)
    winner = SessionLock(session, runtime)
    assert winner.try_acquire()
    got = []
    loser = threading.Thread(target=lambda: got.append(current_token(session, runtime=runtime)))
    loser.start()
    loser.join(0.3)
    assert loser.is_alive()  # waiting for the winner, not failing and not refreshing
    new = refresh(session, old, runtime=runtime)  # the winner refreshes; refresh tokens rotate
    winner.release()
    loser.join(10)
    assert got[0].access_token == new.access_token != old.access_token
    refreshes = [r for r in emulator.state.requests("CreateToken") if r["status"] == 200]
    assert len(refreshes) == 2  # the sign-in and the winner's refresh: the loser made none


def test_in_the_advisory_window_a_process_that_loses_the_lock_carries_on_without_waiting(
        config_file, runtime, emulator, clock):
    """botocore's advisory window: the token still has over 10 minutes, so whoever holds the
    lock refreshes and the others use the token they have, at once."""
    from ssomagic.engine.files.session_lock import SessionLock

    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    session = load_config(runtime).profile("dev").sso
    clock.advance(8 * 3600 - 12 * 60)  # 12 minutes left: advisory, not mandatory
    old = TokenCache(runtime).load_token(session)
    calls = len(emulator.state.requests("CreateToken"))
    winner = SessionLock(session, runtime)
    assert winner.try_acquire()
    got = []
    loser = threading.Thread(target=lambda: got.append(current_token(session, runtime=runtime)),
                             daemon=True)
    try:
        loser.start()
        loser.join(5)
        assert not loser.is_alive(), "waited for the lock inside the advisory window"
        assert got[0].access_token == old.access_token
        assert len(emulator.state.requests("CreateToken")) == calls  # no refresh
    finally:
        winner.release()
        loser.join(10)


def test_a_token_outside_the_refresh_window_is_not_refreshed(config_file, runtime, emulator,
                                                             clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    session = load_config(runtime).profile("dev").sso
    clock.advance(8 * 3600 - 16 * 60)  # 16 minutes left: botocore would not refresh yet
    calls = len(emulator.state.requests("CreateToken"))
    assert current_token(session, runtime=runtime).access_token == \
        TokenCache(runtime).load_token(session).access_token
    assert len(emulator.state.requests("CreateToken")) == calls


def test_a_registration_left_by_the_clis_pkce_login_is_not_reused(config_file, runtime, emulator,
                                                                  clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    session = load_config(runtime).profile("dev").sso
    path = TokenCache(runtime).registration_path(session)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({
        "clientId": "pkce-client", "clientSecret": "pkce-secret",
        "expiresAt": "2027-02-25T09:00:00Z", "scopes": ["sso:account:access"],
        "grantTypes": ["authorization_code", "refresh_token"]}))
    api.login("dev", runtime=runtime, listener=quiet)
    assert len(emulator.state.requests("RegisterClient")) == 1
    document = json.loads(path.read_text())
    assert document["clientId"] != "pkce-client" and "grantTypes" not in document
    assert [r["error"] for r in emulator.state.requests("StartDeviceAuthorization")] == [None]


def test_the_api_signs_in_to_an_sso_session_with_no_profile(home, runtime, emulator, clock):
    config = home / ".aws" / "config"
    config.parent.mkdir()
    config.write_text("[sso-session my-sso]\nsso_start_url = https://d-1234567890.awsapps.com/"
                      "start\nsso_region = us-east-1\n")
    clock.on_sleep.append(approve_when_asked(emulator))
    status = api.login(sso_session="my-sso", runtime=runtime, listener=quiet)
    assert status.signed_in and status.session == "my-sso"
    assert api.status(sso_session="my-sso", runtime=runtime).signed_in
    assert api.logout(sso_session="my-sso", runtime=runtime).sessions == ("my-sso",)


def test_a_sign_in_the_server_ended_is_replaced_by_a_new_device_flow(config_file, home,
                                                                     live_emulator):
    runtime = live_runtime(home)
    with Approver(live_emulator):
        api.login("dev", runtime=runtime, listener=quiet)
        live_emulator.state.revoke_tokens()  # an administrator ends the session
        status = api.login("dev", runtime=runtime, listener=quiet)
    assert status.signed_in
    assert len(live_emulator.state.requests("StartDeviceAuthorization")) == 2
    assert api.whoami("dev", runtime=runtime).account_id == "111122223333"


def test_a_rejected_sign_in_is_known_as_such_and_every_command_says_sign_in_again(
        config_file, home, live_emulator):
    import pytest

    from ssomagic.engine.errors import NotSignedInError

    runtime = live_runtime(home)
    with Approver(live_emulator):
        api.login("dev", runtime=runtime, listener=quiet)
    live_emulator.state.revoke_tokens()
    with pytest.raises(NotSignedInError, match=r"Sign in again: `ssomagic login dev`"):
        api.whoami("dev", runtime=runtime)  # the portal refuses: now it is known
    status = api.status("dev", runtime=runtime)
    assert status.state == "rejected" and "sign in again" in str(status)
    with pytest.raises(NotSignedInError, match=r"`ssomagic login prod`"):
        api.whoami("prod", runtime=runtime)  # no second request to learn it again
    assert [r["status"] for r in live_emulator.state.requests("GetRoleCredentials")] == [401]
    other = run_python("""
        from ssomagic import api
        print(api.status("dev").state)
    """)
    assert other.stdout.strip() == "rejected", other.stderr  # every process knows


def test_a_second_sign_in_while_a_code_waits_shows_that_same_code(config_file, home,
                                                                  live_emulator):
    from helpers import wait_until

    from ssomagic.engine.events import CodeReady

    first_events, second_events = [], []
    session = load_config(live_runtime(home)).profile("dev").sso
    first = SignIn(session, runtime=live_runtime(home), listener=first_events.append)
    second = SignIn(session, runtime=live_runtime(home), listener=second_events.append,
                    force=True)  # a re-run of `%sso login`: it would otherwise start a flow
    threads = [threading.Thread(target=first.run)]
    threads[0].start()
    wait_until(live_emulator.state.pending_user_codes)
    threads.append(threading.Thread(target=second.run))
    threads[1].start()
    wait_until(lambda: any(isinstance(e, CodeReady) for e in second_events))
    shown = [e.user_code for e in (*first_events, *second_events) if isinstance(e, CodeReady)]
    assert len(set(shown)) == 1 and len(shown) == 2  # the same code, in both places
    live_emulator.approve()
    for thread in threads:
        thread.join(30)
    assert len(live_emulator.state.snapshot()["device_authorizations"]) == 1


def test_no_secret_reaches_a_log_record_even_botocores_at_debug(config_file, home,
                                                                live_emulator, caplog):
    import logging

    with caplog.at_level(logging.DEBUG):
        runtime = live_runtime(home)
        with Approver(live_emulator):
            api.login("dev", runtime=runtime, listener=quiet)
        api.whoami("dev", runtime=runtime)
        api.accounts(sso_session="my-sso", runtime=runtime)
    logged = caplog.text
    assert "x-amz-sso_bearer_token" in logged and "CreateToken" in logged  # botocore spoke
    secrets = live_emulator.state.issued_secrets()
    assert secrets and [s for s in secrets if s in logged] == []


def test_a_refresh_refused_because_another_tool_renewed_first_takes_that_tools_token(
        config_file, runtime, emulator, clock):
    """Refresh tokens rotate: the AWS CLI may renew with the shared file's refresh token a
    moment before us, and ours is then refused. That is no reason to sign in again: the file
    holds the new sign-in, and it is what we use."""
    from ssomagic.engine.files import rejections
    from ssomagic.engine.signin.tokens import refresh

    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    session = load_config(runtime).profile("dev").sso
    clock.advance(8 * 3600 - 5 * 60)
    old = TokenCache(runtime).load_token(session)
    theirs = refresh(session, old, runtime=runtime)  # the other tool, first
    ours = refresh(session, old, runtime=runtime)  # with the refresh token it already used
    assert ours is not None and ours.access_token == theirs.access_token != old.access_token
    assert not rejections.is_rejected(session, theirs.access_token, runtime)
    refused = [r for r in emulator.state.requests("CreateToken") if r["status"] != 200]
    assert refused  # ours was indeed refused by the service


def test_a_renewed_token_file_still_says_which_start_url_and_region_it_is_for(
        config_file, runtime, emulator, clock):
    """The AWS CLI reads startUrl and region from the file to know whose token it is."""
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    session = load_config(runtime).profile("dev").sso
    clock.advance(8 * 3600 - 5 * 60)
    current_token(session, runtime=runtime)  # renews
    renewed = json.loads(TokenCache(runtime).token_path(session).read_text())
    assert (renewed["startUrl"], renewed["region"]) == (session.start_url, session.region)
    assert renewed["expiresAt"] > (clock.now()).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_sign_in_keeps_to_its_runtimes_home(config_file, home, tmp_path, emulator, clock):
    """An API caller's runtime names the home to sign in for (the demo's, a test's): the
    token is read and written there, checked and reported from there, and the process's own
    home is not touched."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / ".aws").mkdir(parents=True)
    (elsewhere / ".aws" / "config").write_text(config_file.read_text())
    runtime = Runtime(home=elsewhere, environ={}, now=clock.now, sleep=clock.sleep)
    clock.on_sleep.append(approve_when_asked(emulator))
    first = api.login("dev", runtime=runtime, listener=quiet)
    assert first.signed_in and first.expires_at is not None
    assert list((elsewhere / ".aws" / "sso" / "cache").glob("*.json"))
    assert not (home / ".aws" / "sso").exists()
    events = []
    assert api.login("dev", runtime=runtime, listener=events.append).signed_in
    assert events[-1].reused  # found where the first sign-in wrote it
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 1
    emulator.state.revoke_tokens()  # the check is refused, and the refusal remembered: there
    assert api.login("dev", runtime=runtime, listener=quiet).signed_in
    assert len(emulator.state.requests("StartDeviceAuthorization")) == 2
    assert not (home / ".aws" / "sso").exists()


def test_checking_a_reused_sign_in_goes_through_the_profiles_client_settings(
        config_file, runtime, emulator, clock, host_probe, monkeypatch):
    """The check is the profile's portal call: a `[services]` endpoint of the profile (as a
    proxy or a CA bundle would be) is where it goes."""
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    route_through(config_file, host_probe.url)
    asked = host_probe.intercept(monkeypatch)
    events = []
    assert api.login("dev", runtime=runtime, listener=events.append).signed_in
    assert events[-1].reused  # the probe refuses: a network fault proves nothing
    assert set(asked) == {"/assignment/accounts?max_result=1"}
