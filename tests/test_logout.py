"""Signing out as `aws sso logout` does, for one sso-session or for all."""

from __future__ import annotations

import json

import pytest
from helpers import approve_when_asked, route_through

from ssomagic import api
from ssomagic.engine.access.portal import Portal
from ssomagic.engine.config.read import load_config
from ssomagic.engine.files.cached_credentials import credentials_cache_key
from ssomagic.engine.files.token_cache import TokenCache


def quiet(event):
    pass


@pytest.fixture
def both_signed_in(config_file, runtime, emulator, clock, home):
    """dev (sso-session my-sso) and legacy signed in, with CLI-cached role credentials."""
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    api.login("legacy", runtime=runtime, listener=quiet)
    cli_cache = home / ".aws/cli/cache"
    cli_cache.mkdir(parents=True)
    config = load_config(runtime)
    for name in ("dev", "prod", "legacy"):
        p = config.profile(name)
        (cli_cache / f"{credentials_cache_key(p.account_id, p.role_name, p.sso)}.json").write_text(
            json.dumps({"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAX"}}))
    (cli_cache / "assume-role.json").write_text(json.dumps({"ProviderType": "assume-role"}))
    return runtime


def files(home, sub):
    return sorted(p.name for p in (home / ".aws" / sub).glob("*.json"))


def test_logout_of_one_session_ends_it_and_deletes_only_its_files(both_signed_in, home,
                                                                   emulator):
    runtime = both_signed_in
    config = load_config(runtime)
    dev, legacy = config.profile("dev"), config.profile("legacy")
    token = TokenCache(runtime).load_token(dev.sso)
    report = api.logout("dev", runtime=runtime)
    assert report.sessions == ("my-sso",) and report.credential_files == 2
    assert TokenCache(runtime).load_token(dev.sso) is None
    assert TokenCache(runtime).load_token(legacy.sso) is not None
    assert files(home, "cli/cache") == sorted([
        "assume-role.json",
        f"{credentials_cache_key(legacy.account_id, legacy.role_name, legacy.sso)}.json"])
    assert [r["status"] for r in emulator.state.requests("Logout")] == [200]
    with pytest.raises(Exception, match="Sign in again"):
        Portal(dev.sso, token.access_token, runtime=runtime).accounts()


def test_logout_keeps_the_client_registrations(both_signed_in, home):
    registrations = [n for n in files(home, "sso/cache")
                     if "accessToken" not in (home / ".aws/sso/cache" / n).read_text()]
    api.logout(all=True, runtime=both_signed_in)
    assert files(home, "sso/cache") == registrations and len(registrations) == 2


def test_logout_all_ends_every_session_and_every_sso_credential(both_signed_in, home, emulator):
    report = api.logout(all=True, runtime=both_signed_in)
    assert len(report.sessions) == 2
    assert files(home, "cli/cache") == ["assume-role.json"]
    assert len(emulator.state.requests("Logout")) == 2
    assert [s.state for s in api.sessions(runtime=both_signed_in)] == ["signed out"] * 2


def test_logout_deletes_the_file_even_when_the_server_fails(both_signed_in, emulator):
    emulator.state.set_fault("Logout", errors=5)
    api.logout("dev", runtime=both_signed_in)
    assert api.status("dev", runtime=both_signed_in).state == "signed out"


def test_logout_when_signed_out_says_so(config_file, runtime, emulator):
    assert str(api.logout("dev", runtime=runtime)) == "No SSO session was signed in."


def test_a_refused_sign_in_is_remembered_for_its_own_sso_session_alone(config_file, runtime):
    """Each session's refusal is kept apart: remembering one never forgets another's, and a
    sign-out forgets only its own."""
    from ssomagic.engine.config.read import load_config
    from ssomagic.engine.files import rejections

    config = load_config(runtime)
    mine, legacy = config.profile("dev").sso, config.profile("legacy").sso
    rejections.remember(mine, "token-of-my-sso", runtime)
    rejections.remember(legacy, "token-of-legacy", runtime)
    assert rejections.is_rejected(mine, "token-of-my-sso", runtime)
    assert rejections.is_rejected(legacy, "token-of-legacy", runtime)
    rejections.forget(legacy, runtime)
    assert rejections.is_rejected(mine, "token-of-my-sso", runtime)
    assert not rejections.is_rejected(legacy, "token-of-legacy", runtime)


def test_the_report_names_each_session_signed_out_or_that_there_was_none():
    from ssomagic.engine.signin.sign_out import LogoutReport

    assert str(LogoutReport(("my-sso", "https://d-1234567890.awsapps.com/start"), 3)) == (
        "Signed out of my-sso, https://d-1234567890.awsapps.com/start.")
    assert str(LogoutReport((), 0)) == "No SSO session was signed in."


def test_logout_all_names_each_sign_in_and_leaves_no_leftover_or_listing(both_signed_in,
                                                                         home):
    runtime = both_signed_in
    folders = (runtime.sso_cache_dir, runtime.cli_cache_dir, runtime.own_cache_dir)
    runtime.own_cache_dir.mkdir(parents=True, exist_ok=True)
    for folder in folders:  # what killed writes left, tokens and keys maybe among them
        (folder / ".token.json.k3j2h1.tmp").write_text("{}")
    (runtime.own_cache_dir / "listing-abc.json").write_text("{}")
    report = api.logout(all=True, runtime=runtime)
    assert sorted(report.sessions) == ["https://d-1234567890.awsapps.com/start", "my-sso"]
    assert report.credential_files == 3  # dev, prod, legacy; assume-role's is not ours
    for folder in folders:
        assert not list(folder.glob(".*.tmp"))
    assert not list(runtime.own_cache_dir.glob("listing-*.json"))
    assert (runtime.cli_cache_dir / "assume-role.json").exists()


@pytest.mark.parametrize(("recorded", "host"), [
    ({"region": "eu-west-2"}, "portal.sso.eu-west-2.amazonaws.com"),
    ({}, "portal.sso.us-east-1.amazonaws.com"),  # a token file that does not say: the CLI's
])
def test_logout_ends_the_session_in_the_region_its_token_file_records(
        both_signed_in, host_probe, monkeypatch, recorded, host):
    """The token's region, not the config's (which may have changed since): the session was
    created there, so only that region's portal can end it."""
    runtime = both_signed_in
    path = runtime.sso_cache_dir / f"{load_config(runtime).profile('dev').sso.cache_key}.json"
    document = {k: v for k, v in json.loads(path.read_text()).items() if k != "region"}
    path.write_text(json.dumps({**document, **recorded}))
    hosts = host_probe.intercept(monkeypatch)
    report = api.logout("dev", runtime=runtime)
    assert report.sessions == ("my-sso",) and set(hosts) == {host}


def test_logout_of_a_session_also_deletes_a_temp_file_its_killed_write_just_left(
        both_signed_in):
    runtime = both_signed_in
    path = runtime.sso_cache_dir / f"{load_config(runtime).profile('dev').sso.cache_key}.json"
    leftover = path.parent / f".{path.name}.k3j2h1.tmp"  # written a moment ago: it may hold
    leftover.write_text(path.read_text())                 # the token itself
    api.logout("dev", runtime=runtime)
    assert not leftover.exists()


def test_logout_of_a_session_deletes_a_temp_file_beside_its_role_credentials(both_signed_in):
    runtime = both_signed_in
    dev = load_config(runtime).profile("dev")
    key = credentials_cache_key(dev.account_id, dev.role_name, dev.sso)
    cached = runtime.cli_cache_dir / f"{key}.json"
    leftover = cached.parent / f".{cached.name}.a1b2c3.tmp"
    leftover.write_text("{}")
    api.logout("dev", runtime=runtime)
    assert not cached.exists() and not leftover.exists()


def test_logout_all_ends_sign_ins_the_config_no_longer_names(config_file, both_signed_in):
    """A session removed from the config (or signed in by another tool) is still signed in:
    its token is named by its start URL, or by its file when the token does not say."""
    runtime = both_signed_in
    config_file.write_text("")  # no profile, no session
    (runtime.sso_cache_dir / "0123abcd.json").write_text(json.dumps({
        "accessToken": "another-tools-token", "expiresAt": "2026-11-27T10:00:00Z"}))
    report = api.logout(all=True, runtime=runtime)
    assert sorted(report.sessions) == ["0123abcd", "https://d-1234567890.awsapps.com/start",
                                       "https://d-1234567890.awsapps.com/start"]
    assert [p.name for p in runtime.sso_cache_dir.glob("*.json")
            if "accessToken" in p.read_text()] == []


def test_a_cached_file_that_is_not_an_object_is_left_alone(both_signed_in):
    runtime = both_signed_in
    (runtime.cli_cache_dir / "odd.json").write_text("[1, 2]")
    (runtime.sso_cache_dir / "odd.json").write_text("[1, 2]")
    report = api.logout(all=True, runtime=runtime)
    assert len(report.sessions) == 2 and report.credential_files == 3
    assert (runtime.cli_cache_dir / "odd.json").exists()
    assert (runtime.sso_cache_dir / "odd.json").exists()


def test_logout_of_one_session_keeps_another_sessions_stopped_sign_in(config_file, runtime):
    """Approving dev's stopped code after dev's logout must not sign dev back in; legacy's
    stopped code is legacy's own, and stays for legacy's next sign-in."""
    from datetime import timedelta

    from ssomagic.engine.events import CodeReady
    from ssomagic.engine.files.token_cache import Registration
    from ssomagic.engine.signin.authorizations import Authorization, authorizations

    config, now = load_config(runtime), runtime.now()
    kept = {}
    for name in ("dev", "legacy"):
        session = config.profile(name).sso
        code = CodeReady(session.label, "ABCD-EFGH", "https://device.example/",
                         "https://device.example/?user_code=ABCD-EFGH",
                         now + timedelta(minutes=10), 1.0)
        authorizations.started(session, runtime, Authorization(
            code, "device-code", Registration("client", "secret", now + timedelta(days=90))))
        authorizations.stopped(session, runtime)
        kept[name] = session
    api.logout("dev", runtime=runtime)
    assert authorizations.stopped_one(kept["dev"], runtime) is None
    assert authorizations.stopped_one(kept["legacy"], runtime) is not None
    api.logout(all=True, runtime=runtime)
    assert authorizations.stopped_one(kept["legacy"], runtime) is None


def test_a_logout_the_server_fails_backs_off_on_the_runtimes_clock(both_signed_in, emulator,
                                                                  clock):
    clock.slept.clear()
    emulator.state.set_fault("Logout", errors=1)
    api.logout("dev", runtime=both_signed_in)
    assert clock.slept and len(emulator.state.requests("Logout")) == 2


def test_logout_when_signed_out_names_no_session(config_file, runtime, emulator):
    report = api.logout("dev", runtime=runtime)
    assert report.sessions == () and report.credential_files == 0


@pytest.mark.parametrize("everything", [False, True])
def test_logout_refuses_a_token_cache_every_user_may_write_naming_it(both_signed_in,
                                                                     everything):
    from ssomagic.engine.errors import LocalStateError

    runtime = both_signed_in
    runtime.sso_cache_dir.chmod(0o777)
    with pytest.raises(LocalStateError) as refused:
        api.logout(None if everything else "dev", all=everything, runtime=runtime)
    assert str(refused.value).startswith(
        f"ssomagic will not use the SSO token cache in {runtime.sso_cache_dir}:")


def test_logout_by_profile_reaches_the_portal_through_that_profiles_client_settings(
        both_signed_in, config_file, host_probe, monkeypatch):
    """A profile's own settings (here a `[services]` endpoint, as a proxy or CA bundle would
    be) carry its sign-out as they carry the AWS CLI's."""
    route_through(config_file, host_probe.url)
    asked = host_probe.intercept(monkeypatch)
    report = api.logout("dev", runtime=both_signed_in)
    assert report.sessions == ("my-sso",) and set(asked) == {"/logout"}


@pytest.mark.parametrize("in_effect", ["default", "prod"])
def test_logout_all_takes_the_client_settings_of_the_profile_in_effect(
        both_signed_in, config_file, host_probe, monkeypatch, in_effect):
    """As `aws sso logout` does: $AWS_PROFILE's settings, else the default profile's."""
    route_through(config_file, host_probe.url, in_effect)
    asked = host_probe.intercept(monkeypatch)
    runtime = both_signed_in
    if in_effect != "default":
        from dataclasses import replace

        runtime = replace(runtime, environ={**runtime.environ, "AWS_PROFILE": in_effect})
    report = api.logout(all=True, runtime=runtime)
    assert len(report.sessions) == 2 and set(asked) == {"/logout"}


def test_a_token_another_logout_deletes_meanwhile_is_no_error(both_signed_in, config_file,
                                                              host_probe, monkeypatch):
    route_through(config_file, host_probe.url)
    host_probe.intercept(monkeypatch)
    runtime = both_signed_in
    path = runtime.sso_cache_dir / f"{load_config(runtime).profile('dev').sso.cache_key}.json"
    host_probe.when_asked = lambda: path.unlink(missing_ok=True)  # `aws sso logout`, at once
    assert api.logout("dev", runtime=runtime).sessions == ("my-sso",)
    assert not path.exists()


@pytest.mark.parametrize("everything", [False, True])
def test_a_logout_waits_its_turn_in_its_own_sessions_portal_quota(both_signed_in, everything):
    """The portal's quota is the session's: a logout made in another limiter's name would
    draw on a quota no other call of the session sees."""
    from ssomagic.engine.aws import rate_limit

    session = load_config(both_signed_in).profile("dev").sso
    rate_limit._limiters.clear()
    api.logout(None if everything else "dev", all=everything, runtime=both_signed_in)
    assert (session.region, session.cache_key) in rate_limit._limiters
    legacy = load_config(both_signed_in).profile("legacy").sso
    assert set(rate_limit._limiters) <= {(session.region, session.cache_key),
                                         (legacy.region, legacy.cache_key)}
