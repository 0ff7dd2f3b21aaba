"""whoami: STS GetCallerIdentity through the profile, with the account's name and the expiry."""

from __future__ import annotations

import contextlib
import json

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError
from helpers import Approver, live_runtime, nothing_in

from ssomagic import api
from ssomagic.engine.errors import (
    NoAccessError,
    NotAnSsoProfileError,
    NotSignedInError,
    SsoMagicError,
)


def test_whoami_names_account_role_arn_user_region_and_expiry(signed_in_dev, home):
    identity = api.whoami("dev", runtime=signed_in_dev)
    keys = json.loads(next((home / ".aws/cli/cache").glob("*.json")).read_text())["Credentials"]
    said = boto3.client("sts", region_name="us-east-1", aws_access_key_id=keys["AccessKeyId"],
                        aws_secret_access_key=keys["SecretAccessKey"],
                        aws_session_token=keys["SessionToken"]).get_caller_identity()
    assert (identity.arn, identity.user_id) == (said["Arn"], said["UserId"])
    assert identity.profile == "dev" and identity.via == () and identity.source is None
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


def test_role_credentials_sts_no_longer_takes_are_fetched_again_once(signed_in_dev,
                                                                    live_emulator, home):
    """Revoked (or their role changed): the portal gives new ones, the CLI's cache holds
    them, and the identity is told as if nothing happened."""
    api.whoami("dev", runtime=signed_in_dev)
    cached = next((home / ".aws/cli/cache").glob("*.json"))
    before = cached.read_text()
    live_emulator.state.revoke_role_credentials()  # the sign-in stands
    assert api.whoami("dev", runtime=signed_in_dev).account_id == "111122223333"
    assert len(live_emulator.state.requests("GetRoleCredentials")) == 2
    assert cached.read_text() != before


def test_the_identity_is_asked_of_sts_in_the_profiles_region_else_the_sessions(
        signed_in_dev, config_file, host_probe, monkeypatch):
    """A profile with no region of its own asks STS in its sso-session's region (us-east-1);
    dev asks in its own (eu-west-1)."""
    config_file.write_text(config_file.read_text() + "\n[profile plain-dev]\nsso_session = "
                           "my-sso\nsso_account_id = 111122223333\nsso_role_name = "
                           "DataScientist\n")
    for profile in ("plain-dev", "dev"):
        api.whoami(profile, runtime=signed_in_dev)  # its role credentials, cached
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS")
    hosts = host_probe.intercept(monkeypatch)
    for profile in ("plain-dev", "dev"):
        with contextlib.suppress(BotoCoreError, ClientError, SsoMagicError):
            api.whoami(profile, runtime=signed_in_dev)
    asked = list(dict.fromkeys(h for h in hosts if h.startswith("sts.")))  # each retried
    assert asked == ["sts.us-east-1.amazonaws.com", "sts.eu-west-1.amazonaws.com"]


def test_role_credentials_sts_does_not_know_are_fetched_again_once(signed_in_dev,
                                                                  live_emulator, home):
    """Keys STS has never issued (a cache file another tool damaged, another emulator's):
    InvalidClientTokenId, handled as a refusal of the credentials, not of the sign-in."""
    api.whoami("dev", runtime=signed_in_dev)
    cached = next((home / ".aws/cli/cache").glob("*.json"))
    document = json.loads(cached.read_text())
    document["Credentials"]["AccessKeyId"] = "ASIANEVERISSUEDEXAMP"
    cached.write_text(json.dumps(document))
    assert api.whoami("dev", runtime=signed_in_dev).account_id == "111122223333"
    assert len(live_emulator.state.requests("GetRoleCredentials")) == 2


def test_whoami_names_the_account_from_the_portal_when_no_listing_is_kept(signed_in_dev, home,
                                                                          live_emulator):
    """No listing file (another user's machine, a logout since): the portal is asked, and
    what it said is kept for every later process."""
    for listing in (home / ".aws/sso/ssomagic").glob("listing-*.json"):
        listing.unlink()
    asked = len(live_emulator.state.requests("ListAccounts"))
    assert api.whoami("dev", runtime=signed_in_dev).account_name == "analytics-dev"
    assert len(live_emulator.state.requests("ListAccounts")) > asked
    assert list((home / ".aws/sso/ssomagic").glob("listing-*.json"))


@pytest.mark.parametrize(("profile", "account"), [("dev", "111122223333"),
                                                  ("data", "555566667777")])
def test_whoami_on_a_runtime_with_a_home_of_its_own_keeps_to_it(signed_in_elsewhere, home,
                                                                profile, account):
    identity = api.whoami(profile, runtime=signed_in_elsewhere)
    assert identity.account_id == account
    assert identity.account_name == ("analytics-dev" if profile == "dev" else None)
    assert list((signed_in_elsewhere.home / ".aws" / "cli" / "cache").glob("*.json"))
    assert nothing_in(home)
