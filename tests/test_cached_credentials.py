"""Role credentials the AWS CLI and botocore cached (engine/files/cached_credentials.py): found
under botocore's own file name, and reused only when they are the current sign-in's, from an
SSO fetch, and have more than the refresh window left."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from botocore.credentials import SSOCredentialFetcher

from ssomagic.engine.config.read import Profile, SsoSession
from ssomagic.engine.errors import LocalStateError
from ssomagic.engine.files.cached_credentials import (
    cached,
    credentials_cache_key,
    expiry_iso,
    path_for,
)
from ssomagic.engine.timing import REFRESH_WINDOW

START_URL = "https://d-1234567890.awsapps.com/start"
NAMED = SsoSession("my-sso", START_URL, "us-east-1")
LEGACY = SsoSession(None, START_URL, "us-east-1")


def botocores_key(session: SsoSession, account_id: str, role: str) -> str:
    fetcher = SSOCredentialFetcher(session.start_url, session.region, role, account_id,
                                   client_creator=None, token_loader=None,
                                   sso_session_name=session.name)
    return fetcher._create_cache_key()


@pytest.mark.parametrize("session", [NAMED, LEGACY], ids=["sso-session", "legacy"])
def test_the_cache_file_is_named_as_botocore_names_it(session):
    assert credentials_cache_key("111122223333", "ReadOnly", session) == botocores_key(
        session, "111122223333", "ReadOnly")


@pytest.fixture
def profile():
    return Profile("dev", NAMED, "111122223333", "ReadOnly")


def write(runtime, profile, expires_in: timedelta, *, provider="sso", after_sign_in=True,
          expiration: str | None = None, same_tick: bool = False):
    token = runtime.sso_cache_dir / f"{profile.sso.cache_key}.json"
    token.parent.mkdir(parents=True, exist_ok=True)
    token.write_text("{}")
    path = path_for(profile, runtime)
    path.parent.mkdir(parents=True, exist_ok=True)
    when = expiration or (runtime.now() + expires_in).strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text(json.dumps({"ProviderType": provider, "Credentials": {
        "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "secret", "SessionToken": "token",
        "Expiration": when, "AccountId": profile.account_id}}))
    token_time = path.stat().st_mtime_ns + (
        0 if same_tick else 10**9 if not after_sign_in else -10**9)
    os.utime(token, ns=(token_time, token_time))
    return when


def test_credentials_with_time_left_are_given_as_botocore_wants_them(runtime, profile):
    when = write(runtime, profile, timedelta(hours=1))
    assert cached(profile, runtime) == {"access_key": "ASIAEXAMPLE", "secret_key": "secret",
                                        "token": "token", "expiry_time": when}


def test_credentials_inside_the_refresh_window_are_not_reused(runtime, profile):
    write(runtime, profile, REFRESH_WINDOW)
    assert cached(profile, runtime) is None
    write(runtime, profile, REFRESH_WINDOW + timedelta(seconds=1))
    assert cached(profile, runtime) is not None


def test_credentials_fetched_before_the_current_sign_in_are_not_reused(runtime, profile):
    write(runtime, profile, timedelta(hours=1), after_sign_in=False)
    assert cached(profile, runtime) is None


def test_credentials_written_in_the_same_tick_as_the_sign_in_are_the_sign_ins(runtime,
                                                                            profile):
    """A file system's clock is coarse: a fetch right after a sign-in may share its mtime."""
    write(runtime, profile, timedelta(hours=1), same_tick=True)
    assert cached(profile, runtime) is not None


def test_the_profiles_file_is_the_one_botocore_writes(runtime, profile):
    assert path_for(profile, runtime) == runtime.home / ".aws" / "cli" / "cache" / (
        botocores_key(profile.sso, "111122223333", "ReadOnly") + ".json")


def test_a_cache_folder_others_can_write_is_refused_for_what_it_holds(runtime, profile):
    write(runtime, profile, timedelta(hours=1))
    folder = path_for(profile, runtime).parent
    folder.chmod(0o777)
    with pytest.raises(LocalStateError, match="will not use cached role credentials in "):
        cached(profile, runtime)


def test_a_cached_credentials_file_that_is_a_link_is_not_followed(runtime, profile, tmp_path):
    write(runtime, profile, timedelta(hours=1))
    path = path_for(profile, runtime)
    elsewhere = tmp_path / "elsewhere.json"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    with pytest.raises(LocalStateError, match="does not follow links for cached role "
                                              "credentials"):
        cached(profile, runtime)


def test_credentials_another_provider_cached_are_not_taken_for_sso_ones(runtime, profile):
    write(runtime, profile, timedelta(hours=1), provider="assume-role")
    assert cached(profile, runtime) is None


def test_an_expiration_in_botocores_other_formats_is_read(runtime, profile):
    later = runtime.now() + timedelta(hours=1)
    write(runtime, profile, timedelta(), expiration=later.isoformat())
    assert cached(profile, runtime) is not None


@pytest.mark.parametrize("content", ["", "{", "[]", '{"ProviderType": "sso"}',
                                     '{"ProviderType": "sso", "Credentials": {}}',
                                     '{"ProviderType": "sso", "Credentials": '
                                     '{"Expiration": "soon"}}'])
def test_a_damaged_cache_file_is_no_credentials_and_no_error(runtime, profile, content):
    write(runtime, profile, timedelta(hours=1))
    path_for(profile, runtime).write_text(content)
    os.utime(runtime.sso_cache_dir / f"{profile.sso.cache_key}.json", ns=(0, 0))
    assert cached(profile, runtime) is None


def test_no_cache_file_or_no_sign_in_is_no_credentials(runtime, profile):
    assert cached(profile, runtime) is None
    write(runtime, profile, timedelta(hours=1))
    (runtime.sso_cache_dir / f"{profile.sso.cache_key}.json").unlink()
    assert cached(profile, runtime) is None


def test_the_exported_expiration_is_iso_8601_with_its_offset():
    assert expiry_iso("2026-12-02T10:00:00Z") == "2026-12-02T10:00:00+00:00"
    assert expiry_iso("2026-12-02T11:00:00+01:00") == "2026-12-02T11:00:00+01:00"
