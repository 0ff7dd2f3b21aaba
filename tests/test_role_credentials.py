"""A profile's role credentials (engine/access/role_credentials.py): fetched from the portal
into the AWS CLI's cache and reused from it, and, for boto3, refreshable credentials that
notice a new sign-in or a refusal and fetch again."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from helpers import CONFIG, approve_when_asked, route_through

from ssomagic import api
from ssomagic.engine.access.role_credentials import (
    CredentialGeneration,
    RoleCredentialFetcher,
    credentials_refused,
    new_sign_in,
    refreshable_credentials,
)
from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import (
    LocalStateError,
    NotAnSsoProfileError,
    NotSignedInError,
    ServiceError,
    TokenRejectedError,
)
from ssomagic.engine.files.token_cache import format_time, parse_time
from ssomagic.engine.runtime import Runtime


@pytest.fixture
def dev(config_file, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda event: None)
    return load_config(runtime).profile("dev")


def fetched(emulator) -> int:
    return len(emulator.state.requests("GetRoleCredentials"))


def test_generations_count_from_zero_one_step_at_a_time_per_key():
    counters = CredentialGeneration()
    assert counters.of("session:a", "profile:dev") == (0, 0)
    counters.advance("session:a")
    counters.advance("session:a")
    assert counters.of("session:a", "profile:dev") == (2, 0)


def test_credentials_are_cached_where_the_aws_cli_keeps_them_and_reused(dev, runtime,
                                                                        emulator):
    fetcher = RoleCredentialFetcher(dev, runtime)
    first = fetcher.fetch()
    document = json.loads(fetcher.path.read_text())
    assert document["ProviderType"] == "sso"
    assert list(document["Credentials"]) == ["AccessKeyId", "SecretAccessKey", "SessionToken",
                                             "Expiration"]
    assert (first["access_key"], first["secret_key"], first["token"]) == (
        document["Credentials"]["AccessKeyId"], document["Credentials"]["SecretAccessKey"],
        document["Credentials"]["SessionToken"])
    assert fetcher.path.parent == runtime.cli_cache_dir
    calls = fetched(emulator)
    assert RoleCredentialFetcher(dev, runtime).fetch()["access_key"] == first["access_key"]
    assert fetched(emulator) == calls
    RoleCredentialFetcher(dev, runtime).fetch(use_cache=False)
    assert fetched(emulator) == calls + 1


def test_a_profile_without_a_role_has_no_role_credentials(config_file, runtime):
    config_file.write_text(config_file.read_text() + "\n[profile bare]\nsso_session = my-sso\n")
    with pytest.raises(NotAnSsoProfileError) as refused:
        RoleCredentialFetcher(load_config(runtime).profile("bare"), runtime)
    assert str(refused.value).startswith('The profile "bare" names no sso_account_id and '
                                         "sso_role_name, so it has no role credentials.")


def test_fetching_signed_out_names_the_profile_to_sign_in_with(config_file, runtime, emulator):
    with pytest.raises(NotSignedInError) as refused:
        RoleCredentialFetcher(load_config(runtime).profile("prod"), runtime).fetch()
    assert str(refused.value).endswith("`ssomagic login prod`.")
    assert refused.value.profile == "prod"


def test_boto3s_credentials_are_the_sso_methods_and_expire_with_the_cached_ones(dev, runtime):
    creds = refreshable_credentials(dev, runtime)
    cached = json.loads(RoleCredentialFetcher(dev, runtime).path.read_text())["Credentials"]
    assert creds.method == "sso" and creds.profile_name == "dev"
    assert creds.expiry == parse_time(cached["Expiration"])
    assert repr(creds) == "SsoRoleCredentials(profile='dev')"
    assert not creds.refresh_needed()


@pytest.mark.parametrize("moves_on", [lambda p: new_sign_in(p.sso), credentials_refused])
def test_a_new_sign_in_or_a_refusal_makes_them_fetch_afresh(dev, runtime, emulator, moves_on):
    creds = refreshable_credentials(dev, runtime)
    calls = fetched(emulator)
    moves_on(dev)
    assert creds.refresh_needed()
    creds.get_frozen_credentials()
    assert fetched(emulator) == calls + 1  # not the cache: the portal
    assert not creds.refresh_needed()


def test_near_their_expiry_they_are_refetched_from_the_cache_when_it_is_newer(dev, runtime,
                                                                            emulator, clock):
    creds = refreshable_credentials(dev, runtime)
    clock.advance(3600 - 5 * 60)  # inside botocore's mandatory window
    assert creds.refresh_needed()
    creds.get_frozen_credentials()
    assert creds.expiry > clock.now()


def test_between_botocores_two_windows_only_the_advisory_refresh_is_due(dev, runtime, clock):
    creds = refreshable_credentials(dev, runtime)
    clock.advance(3600 - 12 * 60)  # 12 minutes left: inside 15, outside 10
    assert creds.refresh_needed(15 * 60) and not creds.refresh_needed(10 * 60)


def test_a_portal_fault_is_retried_on_the_runtimes_clock(dev, runtime, emulator, clock):
    emulator.state.set_fault("GetRoleCredentials", errors=2)
    waits = len(clock.slept)
    RoleCredentialFetcher(dev, runtime).fetch(use_cache=False)
    assert len(clock.slept) == waits + 2  # two back-offs, slept on the injected clock


def test_a_folder_others_may_write_is_refused_for_the_credentials_it_would_hold(dev, runtime):
    fetcher = RoleCredentialFetcher(dev, runtime)
    fetcher.fetch()  # the folder is made, and is ours
    os.chmod(fetcher.path.parent, 0o777)
    with pytest.raises(LocalStateError) as refused:
        fetcher.fetch(use_cache=False)  # from the portal, then refused before it is written
    assert str(refused.value).startswith(
        f"ssomagic will not use cached role credentials in {fetcher.path.parent}:")


def test_a_sign_in_refused_on_renewal_says_so_from_the_runtimes_own_home(
        tmp_path, config_file, emulator, clock):
    """The runtime's home is not the process's: the explanation reads the runtime's files."""
    runtime = Runtime(home=tmp_path / "elsewhere", environ={}, now=clock.now, sleep=clock.sleep)
    runtime.config_file.parent.mkdir(parents=True)
    runtime.config_file.write_text(CONFIG)
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda event: None)
    clock.advance(8 * 3600 - 5 * 60)  # in the refresh window
    emulator.state.revoke_tokens()  # the renewal is refused
    with pytest.raises(TokenRejectedError) as refused:
        RoleCredentialFetcher(load_config(runtime).profile("dev"), runtime).fetch(
            use_cache=False)
    assert str(refused.value).startswith(
        "IAM Identity Center no longer accepts the sign-in to my-sso:")


def test_the_sign_ins_renewal_goes_through_the_profiles_client_settings(
        dev, runtime, config_file, clock, host_probe, monkeypatch):
    """A profile's `[services]` endpoint for sso-oidc (as a proxy or CA bundle would be)
    carries the renewal of its sign-in, as it carries the AWS CLI's."""
    route_through(config_file, host_probe.url, service="sso_oidc")
    asked = host_probe.intercept(monkeypatch)
    clock.advance(8 * 3600 - 12 * 60)  # advisory window: the renewal is tried, then skipped
    with pytest.raises(ServiceError):  # the portal is out of reach behind the probe
        RoleCredentialFetcher(load_config(runtime).profile("dev"), runtime).fetch(
            use_cache=False)
    assert "/token" in asked and "portal.sso.us-east-1.amazonaws.com" in asked


def test_near_their_expiry_newer_credentials_another_tool_cached_are_taken_as_they_are(
        dev, runtime, emulator, clock):
    creds = refreshable_credentials(dev, runtime)
    clock.advance(3600 - 5 * 60)
    path = RoleCredentialFetcher(dev, runtime).path
    document = json.loads(path.read_text())
    document["Credentials"].update(AccessKeyId="ASIAFROMTHECLI00000",
                                   Expiration=format_time(clock.now() + timedelta(hours=1)))
    path.write_text(json.dumps(document))  # `aws` refetched them a moment ago
    calls = fetched(emulator)
    assert creds.get_frozen_credentials().access_key == "ASIAFROMTHECLI00000"
    assert fetched(emulator) == calls
