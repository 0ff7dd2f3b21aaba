"""Signing in: reuse, force, refresh, and one device flow per sso-session across processes."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from helpers import Approver, approve_when_asked, live_runtime, run_python

from ssomagic import api
from ssomagic.engine.config import load_config
from ssomagic.engine.events import SignedIn, WaitingForOtherLogin
from ssomagic.engine.sign_in import SignIn
from ssomagic.engine.token_cache import TokenCache
from ssomagic.engine.tokens import current_token


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


def test_two_threads_logging_in_make_one_device_authorization(config_file, home, live_emulator):
    session = load_config(live_runtime(home)).profile("dev").sso
    events: list = []
    logins = [SignIn(session, runtime=live_runtime(home), listener=events.append)
              for _ in range(2)]
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
