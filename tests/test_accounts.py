"""Every account and role a sign-in reaches, with the profile configured for each
(engine/access/accounts.py): the listing is kept for the sign-in and served again without a
portal call."""

from __future__ import annotations

import json

import pytest
from helpers import approve_when_asked

from ssomagic import api
from ssomagic.emulator import Org
from ssomagic.engine.access.accounts import (
    Access,
    accounts,
    as_json,
    configured_profiles,
    known_grants,
    list_account_roles,
)
from ssomagic.engine.access.portal import AccountInfo
from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import NotSignedInError
from ssomagic.engine.files import listing_cache
from ssomagic.engine.files.token_cache import TokenCache
from ssomagic.engine.runtime import Runtime


@pytest.fixture
def signed_in(config_file, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda event: None)
    return runtime


def session_of(runtime, profile="dev"):
    return load_config(runtime).profile(profile).sso


def test_every_role_is_listed_by_account_name_then_role_with_its_configured_profile(
        signed_in):
    assert accounts(session_of(signed_in), signed_in) == [
        Access("111122223333", "analytics-dev", "DataScientist", "dev"),
        Access("111122223333", "analytics-dev", "ReadOnlyAccess", None),
        Access("444455556666", "analytics-prod", "ReadOnlyAccess", "prod"),
        Access("777788889999", "sandbox", "AdministratorAccess", None),  # legacy's session
        Access("777788889999", "sandbox", "DataScientist", None)]


def test_account_names_sort_whatever_their_case(signed_in, emulator):
    emulator.state.org = Org.from_dict({"accounts": [
        {"id": "222222222222", "name": "Beta", "roles": ["R"]},
        {"id": "333333333333", "name": "Alpha", "roles": ["R"]},
        {"id": "111111111111", "name": "alpha", "roles": ["R"]},
        {"id": "444444444444", "name": "DataLake", "roles": ["R"]},
        {"id": "555555555555", "name": "data_lake", "roles": ["R"]}]})
    listed = accounts(session_of(signed_in), signed_in)
    assert [(a.account_name, a.account_id) for a in listed] == [
        ("alpha", "111111111111"), ("Alpha", "333333333333"), ("Beta", "222222222222"),
        ("data_lake", "555555555555"), ("DataLake", "444444444444")]  # as lower case sorts


def test_a_second_listing_is_served_from_the_sign_ins_kept_listing(signed_in, emulator):
    session = session_of(signed_in)
    first = list_account_roles(session, signed_in)
    calls = len(emulator.state.requests("ListAccounts"))
    assert list_account_roles(session, signed_in) == first
    assert len(emulator.state.requests("ListAccounts")) == calls
    list_account_roles(session, signed_in, refresh=True)
    assert len(emulator.state.requests("ListAccounts")) == calls + 1


def test_listing_before_signing_in_says_how_to_sign_in(config_file, runtime, emulator):
    with pytest.raises(NotSignedInError) as refused:
        accounts(session_of(runtime), runtime)
    assert str(refused.value) == ("The SSO session my-sso is not signed in, has expired or was "
                                  "signed out. Sign in again: `ssomagic login "
                                  "--sso-session my-sso`.")


def test_with_a_listener_a_listing_reports_each_account_as_it_goes(signed_in, emulator):
    emulator.state.org = Org.generated(30)
    heard = []
    listed = list_account_roles(session_of(signed_in), signed_in, progress=heard.append)
    assert len(listed) == 30 and heard[-1].listed == 30


def test_the_profile_configured_for_a_role_is_the_first_in_the_file_that_signs_in_as_it(
        config_file, runtime):
    config_file.write_text(config_file.read_text() + """
[profile dev-again]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = DataScientist

[profile chained]
sso_session = my-sso
sso_account_id = 777788889999
sso_role_name = AdministratorAccess
role_arn = arn:aws:iam::777788889999:role/Deploy
source_profile = dev

[profile session-only]
sso_session = my-sso
""")
    config = load_config(runtime)
    assert configured_profiles(config, config.profile("dev").sso) == {
        ("111122223333", "DataScientist"): "dev", ("444455556666", "ReadOnlyAccess"): "prod"}
    assert configured_profiles(config, config.profile("legacy").sso) == {
        ("777788889999", "AdministratorAccess"): "legacy"}


def test_the_json_is_an_indented_list_of_objects_with_the_profile_or_null():
    found = [Access("1", "a", "R"), Access("2", "b", "S", "p")]
    assert as_json(found) == json.dumps([
        {"account_id": "1", "account_name": "a", "role_name": "R", "profile": None},
        {"account_id": "2", "account_name": "b", "role_name": "S", "profile": "p"}], indent=2)


def test_known_grants_are_the_kept_listings_of_signed_in_sessions_alone(signed_in, emulator):
    mine, legacy = session_of(signed_in), session_of(signed_in, "legacy")
    assert known_grants(signed_in, [mine, legacy]) == {}  # signed in, nothing listed yet
    token = TokenCache(signed_in).load_token(mine).access_token
    listing_cache.write(mine, token, signed_in, [AccountInfo("111122223333", "analytics-dev")])
    assert known_grants(signed_in, [mine]) == {}  # its accounts alone: no role known
    list_account_roles(mine, signed_in)
    calls = len(emulator.state.requests("ListAccounts"))
    assert known_grants(signed_in, [legacy, mine]) == {mine.cache_key: {
        ("111122223333", "DataScientist"), ("111122223333", "ReadOnlyAccess"),
        ("444455556666", "ReadOnlyAccess"), ("777788889999", "AdministratorAccess"),
        ("777788889999", "DataScientist")}}
    assert len(emulator.state.requests("ListAccounts")) == calls  # no portal call


def test_listing_after_the_sign_in_expired_says_when_it_did(signed_in, clock):
    path = signed_in.sso_cache_dir / f"{session_of(signed_in).cache_key}.json"
    document = json.loads(path.read_text())
    del document["refreshToken"]  # as a token the device flow gave without one
    path.write_text(json.dumps(document))
    clock.advance(9 * 3600)
    with pytest.raises(NotSignedInError) as refused:
        accounts(session_of(signed_in), signed_in)
    assert str(refused.value).startswith("The sign-in to my-sso expired at ")


def test_a_throttled_listing_backs_off_on_the_runtimes_clock(signed_in, emulator, clock):
    clock.slept.clear()
    emulator.state.set_fault("ListAccounts", throttle=2)
    assert len(list_account_roles(session_of(signed_in), signed_in, refresh=True)) == 3
    assert len(clock.slept) >= 2


def test_accounts_and_grants_are_those_of_the_runtimes_home(config_file, home, tmp_path,
                                                           emulator, clock):
    """A runtime with a home of its own: its sign-in, its config's profiles, its listing."""
    elsewhere = Runtime(home=tmp_path / "elsewhere", environ={}, now=clock.now,
                        sleep=clock.sleep)
    elsewhere.config_file.parent.mkdir(parents=True)
    elsewhere.config_file.write_text(config_file.read_text().replace(
        "[profile dev]", "[profile theirs]"))
    config_file.write_text("")  # the process's own config knows no profile
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("theirs", runtime=elsewhere, listener=lambda event: None)
    session = session_of(elsewhere, "theirs")
    found = accounts(session, elsewhere)
    assert Access("111122223333", "analytics-dev", "DataScientist", "theirs") in found
    assert ("111122223333", "DataScientist") in known_grants(elsewhere, [session])[
        session.cache_key]
    assert not (home / ".aws" / "sso").exists()
