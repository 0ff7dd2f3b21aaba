"""whoami: STS GetCallerIdentity through the profile, with the account's name and the expiry."""

from __future__ import annotations

import pytest
from helpers import Approver, live_runtime

from ssomagic import api
from ssomagic.engine.errors import NoAccessError, NotAnSsoProfileError, NotSignedInError


def test_whoami_names_account_role_arn_user_region_and_expiry(signed_in_dev):
    identity = api.whoami("dev", runtime=signed_in_dev)
    assert identity.account_id == "111122223333"
    assert identity.account_name == "analytics-dev"
    assert identity.role == "DataScientist"
    assert identity.arn.startswith(
        "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DataScientist_")
    assert identity.user == "ada"
    assert identity.region == "eu-west-1"
    assert identity.token_expires_at == api.status("dev", runtime=signed_in_dev).expires_at


def test_whoami_caches_role_credentials_where_the_aws_cli_looks(signed_in_dev, home,
                                                                live_emulator):
    api.whoami("dev", runtime=signed_in_dev)
    api.whoami("dev", runtime=signed_in_dev)
    files = list((home / ".aws/cli/cache").glob("*.json"))
    assert len(files) == 1
    assert '"ProviderType": "sso"' in files[0].read_text()
    assert len(live_emulator.state.requests("GetRoleCredentials")) == 1


def test_whoami_for_a_role_not_assigned_names_the_roles_there_are(signed_in_dev, config_file):
    config_file.write_text(config_file.read_text().replace(
        "sso_account_id = 444455556666\nsso_role_name = ReadOnlyAccess",
        "sso_account_id = 444455556666\nsso_role_name = DataScientist"))
    with pytest.raises(NoAccessError, match="Roles you do have in 444455556666: ReadOnlyAccess"):
        api.whoami("prod", runtime=signed_in_dev)


def test_whoami_before_login_says_to_sign_in(config_file, home, live_emulator):
    with pytest.raises(NotSignedInError, match="ssomagic login dev"):
        api.whoami("dev", runtime=live_runtime(home))


def test_whoami_after_the_session_was_revoked_says_to_sign_in(signed_in_dev, live_emulator):
    live_emulator.state.revoke_tokens()
    with pytest.raises(NotSignedInError):
        api.whoami("dev", runtime=signed_in_dev)


def test_whoami_needs_a_profile_with_a_role(home, live_emulator):
    (home / ".aws").mkdir()
    (home / ".aws/config").write_text(
        "[profile only]\nsso_session = s\n[sso-session s]\n"
        "sso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n")
    with pytest.raises(NotAnSsoProfileError):
        api.whoami("only", runtime=live_runtime(home))


def test_use_returns_a_session_that_boto3_uses_by_default(signed_in_dev, monkeypatch):
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    session = api.use("dev", runtime=signed_in_dev)
    assert boto3.DEFAULT_SESSION is session
    assert boto3.client("sts").get_caller_identity()["Account"] == "111122223333"


def test_use_before_login_says_to_sign_in(config_file, home, live_emulator):
    with pytest.raises(NotSignedInError):
        api.use("dev", runtime=live_runtime(home))


def test_finding_an_account_and_role_writes_nothing_until_it_is_used(config_file, home,
                                                                      live_emulator):
    from helpers import live_runtime

    from ssomagic import api
    from ssomagic.engine.access.resolve import NewProfile, find_profile, resolve_profile

    runtime = live_runtime(home)
    with Approver(live_emulator):
        api.login("dev", runtime=runtime, listener=lambda e: None)
    before = config_file.read_text()
    found = find_profile("sandbox/DataScientist", runtime)
    assert isinstance(found, NewProfile) and found.name == "DataScientist-777788889999"
    assert config_file.read_text() == before
    assert resolve_profile("sandbox/DataScientist", runtime).account_id == \
        "777788889999"
    assert "[profile DataScientist-777788889999]" in config_file.read_text()


def test_only_the_credentials_a_sign_in_or_a_refusal_concerns_are_fetched_again(signed_in_dev):
    """A sign-in to one sso-session, or STS refusing one profile's credentials, makes clients
    on exactly those credentials refetch: not every profile's in the process."""
    from ssomagic.engine.access.role_credentials import (
        credentials_refused,
        new_sign_in,
        refreshable_credentials,
    )
    from ssomagic.engine.config.read import load_config

    config = load_config(signed_in_dev)
    dev, prod, legacy = (config.profile(n) for n in ("dev", "prod", "legacy"))
    dev_creds = refreshable_credentials(dev, signed_in_dev)
    prod_creds = refreshable_credentials(prod, signed_in_dev)
    new_sign_in(legacy.sso)  # another sso-session
    assert not dev_creds.refresh_needed() and not prod_creds.refresh_needed()
    credentials_refused(dev)
    assert dev_creds.refresh_needed() and not prod_creds.refresh_needed()
    new_sign_in(dev.sso)  # the session both sign in with
    assert prod_creds.refresh_needed()
