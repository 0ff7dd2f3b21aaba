"""Finding the profile a notebook means (engine/access/resolve.py): a name, $AWS_PROFILE, or
ACCOUNT/ROLE looked up among configured profiles and the signed-in sessions' accounts, with a
new profile proposed (and written only by resolve_profile) when none exists yet."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import approve_when_asked

from ssomagic import api
from ssomagic.emulator import Org
from ssomagic.engine.access.resolve import (
    NewProfile,
    find_profile,
    resolve_any,
    resolve_profile,
    sign_in_target,
)
from ssomagic.engine.config.read import PlainProfile, Profile, SsoSession, load_config
from ssomagic.engine.errors import (
    ConfigError,
    NoAccessError,
    NothingToSignInError,
    ProfileNotFoundError,
)
from ssomagic.engine.runtime import Runtime


@pytest.fixture
def signed_in(config_file, runtime, emulator, clock):
    """dev's sso-session (my-sso) signed in; legacy's not."""
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda event: None)
    return runtime


def test_a_profile_name_is_that_profile(config_file, runtime):
    assert find_profile("prod", runtime).name == "prod"


def test_no_name_is_the_profile_aws_profile_names(config_file, runtime):
    assert find_profile(None, replace(runtime, environ={"AWS_PROFILE": "prod"})).name == "prod"


def test_an_account_id_and_role_a_profile_has_is_that_profile_even_signed_out(config_file,
                                                                             runtime):
    assert find_profile("111122223333/DataScientist", runtime).name == "dev"


def test_an_account_name_and_role_is_the_profile_configured_for_it(signed_in):
    assert find_profile("analytics-prod/ReadOnlyAccess", signed_in).name == "prod"


def test_a_granted_role_without_a_profile_is_proposed_and_written_only_by_resolve(
        signed_in, config_file):
    before = config_file.read_text()
    found = find_profile("analytics-dev/ReadOnlyAccess", signed_in)
    assert found == NewProfile("ReadOnlyAccess-111122223333", {
        "sso_session": "my-sso", "sso_account_id": "111122223333",
        "sso_role_name": "ReadOnlyAccess", "region": "us-east-1"})
    assert config_file.read_text() == before  # looking it up wrote nothing
    added = resolve_profile("analytics-dev/ReadOnlyAccess", signed_in)
    assert isinstance(added, Profile) and added.name == "ReadOnlyAccess-111122223333"
    assert load_config(signed_in).profiles[added.name]["sso_account_id"] == "111122223333"
    assert resolve_profile("analytics-dev/ReadOnlyAccess", signed_in).name == added.name


def test_a_profile_of_another_session_for_the_role_is_not_taken_for_this_sessions(signed_in):
    """legacy signs in as AdministratorAccess in sandbox with its own session: my-sso's grant
    of the same role gets a profile of its own."""
    found = find_profile("sandbox/AdministratorAccess", signed_in)
    assert isinstance(found, NewProfile) and found.values["sso_session"] == "my-sso"


def test_a_chained_profile_is_not_taken_for_a_permission_set_of_its_name(signed_in,
                                                                         config_file):
    """ACCOUNT/ROLE names a role the portal grants; a chain's role (assumed through STS) is
    not one, whatever it is called."""
    config_file.write_text(config_file.read_text() + """
[profile deploy]
role_arn = arn:aws:iam::111122223333:role/Deploy
source_profile = dev
""")
    with pytest.raises(NoAccessError):
        find_profile("111122223333/Deploy", signed_in)


def test_a_role_the_account_does_not_grant_names_the_roles_it_does(signed_in, emulator):
    emulator.state.org = type(emulator.state.org).from_dict({"accounts": [
        {"id": "444455556666", "name": "analytics-prod", "roles": ["ReadOnlyAccess"]},
        {"id": "999999999999", "name": "analytics-prod", "roles": ["Billing"]}]})
    with pytest.raises(NoAccessError) as refused:  # the first account of that name is named
        find_profile("analytics-prod/DataScientist", signed_in)
    assert str(refused.value) == ("No access to role DataScientist in account 444455556666. "
                                  "Roles you do have in 444455556666: ReadOnlyAccess.")


def test_an_account_no_signed_in_session_reaches_says_so(signed_in):
    with pytest.raises(ProfileNotFoundError) as refused:
        find_profile("nowhere/DataScientist", signed_in)
    assert str(refused.value) == ("No profile for nowhere/DataScientist. None of your signed-in "
                                  "sessions grants that role in that account.")


def test_account_role_signed_out_says_to_sign_in_first(config_file, runtime):
    with pytest.raises(ProfileNotFoundError) as refused:
        find_profile("analytics-dev/DataScientist", runtime)
    assert str(refused.value) == (
        "No profile for analytics-dev/DataScientist. Sign in to the sso-session that grants it "
        "first (`ssomagic login PROFILE`), or check the account name and role.")


def test_a_legacy_session_gets_no_profile_written_for_it(config_file, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("legacy", runtime=runtime, listener=lambda event: None)
    with pytest.raises(ProfileNotFoundError):
        find_profile("sandbox/DataScientist", runtime)


def test_login_with_a_session_alone_signs_in_to_the_session(config_file, runtime):
    assert sign_in_target(None, "my-sso", runtime) == load_config(runtime).session("my-sso")


def test_login_with_a_session_and_its_profile_signs_in_to_the_profile(config_file, runtime):
    assert sign_in_target("prod", "my-sso", runtime).name == "prod"


def test_login_with_a_session_and_another_sessions_profile_is_refused(config_file, runtime):
    with pytest.raises(ConfigError) as refused:
        sign_in_target("legacy", "my-sso", runtime)
    assert str(refused.value) == (
        "The profile legacy signs in with https://d-1234567890.awsapps.com/start, not with the "
        "sso-session my-sso. Name the profile alone, or one of that sso-session's profiles.")


def test_login_to_a_plain_profile_says_there_is_nothing_to_sign_in_to(config_file, runtime):
    config_file.write_text(config_file.read_text() + """
[profile keys]
aws_access_key_id = AKIAEXAMPLEEXAMPLE12
aws_secret_access_key = not-a-real-secret-key-for-this-test-only
""")
    with pytest.raises(NothingToSignInError):
        sign_in_target("keys", None, runtime)
    assert isinstance(resolve_any("keys", runtime), PlainProfile)
    assert isinstance(sign_in_target("dev", None, runtime), Profile)
    assert not isinstance(sign_in_target(None, "my-sso", runtime), Profile)
    assert isinstance(sign_in_target(None, "my-sso", runtime), SsoSession)


def test_a_session_signed_out_is_passed_over_for_one_signed_in_after_it(config_file, runtime,
                                                                        emulator, clock):
    """The config's sessions in order: my-sso (signed out here), then legacy's start URL."""
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("legacy", runtime=runtime, listener=lambda event: None)
    assert find_profile("sandbox/AdministratorAccess", runtime).name == "legacy"


def test_a_profile_for_account_and_role_is_added_to_the_runtimes_own_config(
        config_file, home, tmp_path, emulator, clock):
    elsewhere = Runtime(home=tmp_path / "elsewhere", environ={}, now=clock.now,
                        sleep=clock.sleep)
    elsewhere.config_file.parent.mkdir(parents=True)
    elsewhere.config_file.write_text(config_file.read_text())
    config_file.write_text("")  # the process's own config: nothing to find, nothing to write
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=elsewhere, listener=lambda event: None)
    added = resolve_profile("analytics-dev/ReadOnlyAccess", elsewhere)
    assert added.name in load_config(elsewhere).profiles
    assert config_file.read_text() == ""
    assert not (home / ".aws" / "sso").exists()  # the listing, kept in the runtime's home too


# ---- two IAM Identity Center instances ------------------------------------------------------

PARTNER_URL = "https://d-9999999999.awsapps.com/start"
PARTNER = """
[sso-session partner]
sso_start_url = https://d-9999999999.awsapps.com/start
sso_region = us-east-1

[profile partner]
sso_session = partner
sso_account_id = 888800001111
sso_role_name = Analyst

[profile partner-reader]
role_arn = arn:aws:iam::888800009999:role/PartnerReader
source_profile = partner

[profile partner-legacy]
sso_start_url = https://d-9999999999.awsapps.com/start
sso_region = us-east-1
sso_account_id = 888800002222
sso_role_name = DataScientist
"""


@pytest.fixture
def two_instances(config_file, runtime, emulator, clock):
    """The config's own instance (my-sso and legacy's start URL) and a partner's, whose org
    has an account of its own and one named like the first instance's analytics-dev."""
    emulator.state.instances = {PARTNER_URL: Org.from_dict({"user": "grace", "accounts": [
        {"id": "888800001111", "name": "partner-data", "roles": ["Analyst"]},
        {"id": "888800002222", "name": "analytics-dev", "roles": ["Analyst", "DataScientist"]},
    ], "trusted_roles": [{"arn": "arn:aws:iam::888800009999:role/PartnerReader",
                          "trusted": ["888800001111"]}]})}
    config_file.write_text(config_file.read_text() + PARTNER)
    clock.on_sleep.append(approve_when_asked(emulator))
    return runtime


def signed_in_to(runtime, *profiles: str) -> None:
    for name in profiles:
        api.login(name, runtime=runtime, listener=lambda event: None)


def test_each_instance_lists_its_own_orgs_accounts(two_instances):
    signed_in_to(two_instances, "dev", "partner")
    listed = {name: {(a.account_id, a.role_name, a.profile) for a in api.accounts(
        sso_session=name, runtime=two_instances)} for name in ("my-sso", "partner")}
    assert listed["partner"] == {("888800001111", "Analyst", "partner"),
                                 ("888800002222", "Analyst", None),
                                 ("888800002222", "DataScientist", None)}
    assert {account for account, _, _ in listed["my-sso"]} == {
        "111122223333", "444455556666", "777788889999"}


def test_each_instance_signs_in_its_own_user(two_instances):
    signed_in_to(two_instances, "dev", "partner")
    assert api.whoami("dev", runtime=two_instances).arn.endswith("/ada")
    partner = api.whoami("partner", runtime=two_instances)
    assert partner.arn.startswith(
        "arn:aws:sts::888800001111:assumed-role/AWSReservedSSO_Analyst_")
    assert partner.arn.endswith("/grace")


def test_a_chain_over_the_second_instance_assumes_a_role_its_org_trusts(two_instances):
    signed_in_to(two_instances, "partner")
    chained = api.whoami("partner-reader", runtime=two_instances)
    assert chained.account_id == "888800009999"
    assert chained.arn.startswith("arn:aws:sts::888800009999:assumed-role/PartnerReader/")


def test_an_account_only_a_later_session_knows_is_found_there(two_instances):
    signed_in_to(two_instances, "dev", "partner")
    assert find_profile("partner-data/Analyst", two_instances).name == "partner"


def test_a_role_the_first_session_does_not_grant_is_proposed_from_one_that_does(
        two_instances):
    signed_in_to(two_instances, "dev", "partner")
    found = find_profile("analytics-dev/Analyst", two_instances)
    assert isinstance(found, NewProfile) and found.values == {
        "sso_session": "partner", "sso_account_id": "888800002222",
        "sso_role_name": "Analyst", "region": "us-east-1"}


def test_a_legacy_session_without_a_profile_for_the_role_passes_to_the_next_that_has_one(
        two_instances):
    signed_in_to(two_instances, "legacy", "partner-legacy")
    assert find_profile("analytics-dev/DataScientist", two_instances).name == "partner-legacy"
