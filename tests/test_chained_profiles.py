"""Role chaining, as real configs have it: `role_arn` over an SSO `source_profile`, to any
depth. `login` signs in to the root's sso-session, `use` binds the chained profile, `whoami`
shows the assumed role, and plain boto3 gets the same, against the emulator's AssumeRole
(SigV4-checked, with role trust from the org)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest
from botocore.exceptions import ClientError
from helpers import CONFIG, Approver, live_runtime, run_python

from ssomagic import api
from ssomagic.console.cli import main
from ssomagic.engine.aws.boto_session import session_for
from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import ConfigError, NoAccessError, ServiceError

CHAINED = CONFIG + """
[profile data]
role_arn = arn:aws:iam::555566667777:role/DataReader
source_profile = dev
region = eu-west-1

[profile audit]
role_arn = arn:aws:iam::999900001111:role/Auditor
source_profile = data

[profile nowhere]
role_arn = arn:aws:iam::999900001111:role/Auditor
source_profile = dev
"""


@pytest.fixture
def chained(home, live_emulator, monkeypatch):
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(CHAINED)
    runtime = live_runtime(home)
    with Approver(live_emulator):
        yield runtime


def test_a_chained_profile_resolves_to_its_roots_sign_in(chained):
    profile = load_config(chained).profile("audit")
    assert (profile.account_id, profile.role_name) == ("999900001111", "Auditor")
    assert profile.chain == ("audit", "data", "dev")
    assert profile.root.name == "dev" and profile.sso.name == "my-sso"


def test_logging_in_to_a_chained_profile_signs_in_to_the_roots_session(chained, capsys):
    assert main(["login", "audit"]) == 0
    assert "Successfully signed in to my-sso" in capsys.readouterr().out


def test_whoami_shows_the_assumed_role_and_its_source(chained):
    api.login("dev", runtime=chained, listener=lambda e: None)
    identity = api.whoami("data", runtime=chained)
    assert identity.account_id == "555566667777" and identity.role == "DataReader"
    assert identity.arn.startswith("arn:aws:sts::555566667777:assumed-role/DataReader/")
    assert identity.via == ("dev",)
    assert "(assumed via dev)" in str(identity)


def test_a_chain_of_two_works_to_the_end(chained):
    api.login("dev", runtime=chained, listener=lambda e: None)
    assert api.whoami("audit", runtime=chained).account_id == "999900001111"


def test_use_binds_a_chained_profile_for_plain_boto3(chained):
    api.login("dev", runtime=chained, listener=lambda e: None)
    api.use("data", runtime=chained)
    assert boto3.client("sts").get_caller_identity()["Account"] == "555566667777"
    # botocore resolves the same config by itself, in another process (it fixes its cache
    # paths at import): the AWS CLI and terraform agree.
    result = run_python("""
        import boto3
        session = boto3.Session(profile_name="audit", region_name="us-east-1")
        print(session.client("sts").get_caller_identity()["Account"])
    """)
    assert result.stdout.strip() == "999900001111", result.stderr


def test_a_role_whose_trust_refuses_the_source_is_one_line(chained):
    api.login("dev", runtime=chained, listener=lambda e: None)
    with pytest.raises(NoAccessError) as caught:
        api.whoami("nowhere", runtime=chained)
    assert str(caught.value).startswith(
        "AWS STS did not let dev assume arn:aws:iam::999900001111:role/Auditor for profile "
        "nowhere (AccessDenied).")


VENDOR = """
[profile vendor]
role_arn = arn:aws:iam::555566667777:role/VendorExport
source_profile = dev
external_id = vendor-7f3a

[profile vendor-no-id]
role_arn = arn:aws:iam::555566667777:role/VendorExport
source_profile = dev

[profile long]
role_arn = arn:aws:iam::555566667777:role/DataReader
source_profile = dev
duration_seconds = 7200
"""


@pytest.fixture
def vendor(chained, home):
    (home / ".aws" / "config").write_text(CHAINED + VENDOR)
    api.login("dev", runtime=chained, listener=lambda e: None)
    return chained


def test_a_chain_gives_sts_the_external_id_its_roles_trust_asks_for(vendor):
    assert api.whoami("vendor", runtime=vendor).role == "VendorExport"


def test_the_emulators_trust_refuses_a_role_without_the_external_id_it_asks_for(vendor):
    dev = load_config(vendor).profile("dev")
    source = session_for(dev, vendor).client("sts", region_name="us-east-1")
    arn = "arn:aws:iam::555566667777:role/VendorExport"
    for asked in ({}, {"ExternalId": "vendor-0000"}):
        with pytest.raises(ClientError, match="AccessDenied"):
            source.assume_role(RoleArn=arn, RoleSessionName="ada", **asked)
    assert source.assume_role(RoleArn=arn, RoleSessionName="ada", ExternalId="vendor-7f3a")[
        "AssumedRoleUser"]["Arn"].endswith(":assumed-role/VendorExport/ada")


REFUSED = {
    "vendor-no-id": (NoAccessError,
                     "AWS STS did not let dev assume arn:aws:iam::555566667777:role/VendorExport "
                     "for profile vendor-no-id (AccessDenied). The role's trust policy must let "
                     "dev's account in, and the profile must give the external_id it may ask "
                     "for; ask your administrator, or check role_arn, source_profile and "
                     "external_id in your config."),
    "long": (ConfigError,
             "AWS STS would not let dev assume arn:aws:iam::555566667777:role/DataReader for "
             "profile long: The requested DurationSeconds exceeds the 1 hour session limit for "
             "roles assumed by role chaining. Check role_session_name, duration_seconds and "
             "external_id of [profile long] in your config."),
}


@pytest.mark.parametrize("action", ["whoami", "export"])
@pytest.mark.parametrize("profile", list(REFUSED), ids=[
    "without_the_external_id_its_trust_asks_for", "asking_longer_than_a_chained_session"])
def test_a_chain_sts_refuses_says_which_setting_to_mend(vendor, action, profile):
    kind, words = REFUSED[profile]
    with pytest.raises(kind) as caught:
        chained_action(action, profile, vendor)
    assert str(caught.value) == words


def chained_action(action: str, profile: str, runtime):
    if action == "whoami":
        return api.whoami(profile, runtime=runtime)
    return api.export_credentials(profile, runtime=runtime)


def test_export_credentials_of_a_chained_profile_are_the_assumed_roles(chained, capsys):
    api.login("dev", runtime=chained, listener=lambda e: None)
    assert main(["export-credentials", "--profile", "data", "--format", "env"]) == 0
    lines = capsys.readouterr().out.splitlines()
    keys = dict(line.removeprefix("export ").split("=", 1) for line in lines)
    session = boto3.Session(aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
                            aws_session_token=keys["AWS_SESSION_TOKEN"], region_name="us-east-1")
    assert session.client("sts").get_caller_identity()["Account"] == "555566667777"
    expires = datetime.fromisoformat(keys["AWS_CREDENTIAL_EXPIRATION"])  # the assumed role's
    assert expires.tzinfo is not None and expires > datetime.now(timezone.utc)


def test_a_chain_that_loops_is_one_line(home):
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(
        "[profile a]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = b\n"
        "[profile b]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = a\n")
    with pytest.raises(ConfigError, match="chains back to itself"):
        load_config().profile("a")


def test_chained_profiles_are_listed(chained, capsys):
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    assert "data\t555566667777/DataReader" in out and "audit\t999900001111/Auditor" in out


def test_a_chains_session_name_and_duration_are_honoured_as_botocore_honours_them(
        chained, home):
    (home / ".aws" / "config").write_text(CHAINED + """
[profile named]
role_arn = arn:aws:iam::555566667777:role/DataReader
source_profile = dev
role_session_name = ada-notebook
duration_seconds = 900
""")
    api.login("dev", runtime=chained, listener=lambda e: None)
    identity = api.whoami("named", runtime=chained)
    assert identity.arn == "arn:aws:sts::555566667777:assumed-role/DataReader/ada-notebook"
    exported = json.loads(api.export_credentials("named", runtime=chained))
    expires = datetime.fromisoformat(exported["Expiration"])
    assert 0 < (expires - datetime.now(timezone.utc)).total_seconds() <= 900


def test_a_chain_without_a_session_name_is_named_for_ssomagic_and_the_time(chained):
    """As botocore names its sessions botocore-session-<time>, by the runtime's clock."""
    api.login("dev", runtime=chained, listener=lambda e: None)
    before = int(chained.now().timestamp())
    name = api.whoami("data", runtime=chained).arn.rsplit("/", 1)[-1]
    after = int(chained.now().timestamp())
    assert name.startswith("ssomagic-") and before <= int(name.removeprefix("ssomagic-")) <= after


def test_a_chain_whose_sts_keeps_failing_says_so_after_the_gateways_tries(chained,
                                                                          live_emulator):
    """AssumeRole goes through the gateway: its tries (one request each, botocore's own
    retries off), then one line naming STS, the region and the role."""
    from ssomagic.engine import timing

    api.login("dev", runtime=chained, listener=lambda e: None)
    live_emulator.state.set_fault("AssumeRole", errors=1_000)
    with pytest.raises(ServiceError) as caught:
        api.whoami("data", runtime=chained)
    assert str(caught.value) == (
        "AWS STS could not assume arn:aws:iam::555566667777:role/DataReader for profile data "
        "(InternalServerException), even after retrying. The service is busy or having "
        "trouble; nothing was changed here. Try again in a moment.")
    assert live_emulator.state.arrivals["AssumeRole"] == timing.RETRY_ATTEMPTS


def test_a_chain_whose_sts_throttles_is_tried_again_until_it_answers(chained, live_emulator):
    api.login("dev", runtime=chained, listener=lambda e: None)
    live_emulator.state.set_fault("AssumeRole", throttle=3)
    assert api.whoami("data", runtime=chained).account_id == "555566667777"
    assert [r["error"] for r in live_emulator.state.requests("AssumeRole")] == [
        "Throttling", "Throttling", "Throttling", None]


def test_a_chain_whose_sts_cannot_be_reached_names_the_region_it_was_asked_in(
        chained, monkeypatch, unused_port):
    api.login("dev", runtime=chained, listener=lambda e: None)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{unused_port}")
    with pytest.raises(ServiceError) as caught:
        api.export_credentials("data", runtime=chained)
    assert str(caught.value).startswith(
        "Could not reach AWS STS in eu-west-1 to assume arn:aws:iam::555566667777:role/"
        "DataReader for profile data (EndpointConnectionError), even after retrying.")


FULL = {"AccessKeyId": "ASIAEXAMPLEEXAMPLE12", "SecretAccessKey": "not-a-secret",
        "SessionToken": "not-a-token", "Expiration": "2030-01-01T00:00:00Z"}


@pytest.mark.parametrize(("body", "missing"), [
    ({"AssumedRoleUser": {"Arn": "arn:aws:sts::5:assumed-role/R/s"}}, "Credentials"),
    *(({"Credentials": {k: v for k, v in FULL.items() if k != gone}}, gone) for gone in FULL),
])
def test_an_assume_role_answer_without_what_sts_promises_is_one_line(chained, live_emulator,
                                                                     body, missing):
    api.login("dev", runtime=chained, listener=lambda e: None)
    live_emulator.state.set_fault("AssumeRole", misshapen=[body])
    with pytest.raises(ServiceError) as caught:
        api.export_credentials("data", runtime=chained)
    assert str(caught.value) == (
        "AWS STS answered the request to assume arn:aws:iam::555566667777:role/DataReader "
        f"for profile data with something that is not what the API promises (missing "
        f"{missing}). A proxy or a wrong AWS_ENDPOINT_URL_* setting often does this; check "
        "them, then try again.")
