"""The emulator speaks the services' wire formats to unmodified boto3, and a person (or a test)
can approve on its verification page or through its control API."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from ssomagic.emulator import Emulator, Org

START = "https://d-1234567890.awsapps.com/start"


def http(method, url, body=None, form=False):
    data = None
    headers = {}
    if body is not None:
        data = (urllib.parse.urlencode(body) if form else json.dumps(body)).encode()
        headers["Content-Type"] = ("application/x-www-form-urlencoded" if form
                                   else "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.read().decode()


@pytest.fixture
def oidc(live_emulator):
    return boto3.client("sso-oidc", region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED))


@pytest.fixture
def pending(oidc):
    client = oidc.register_client(clientName="botocore-client-t", clientType="public")
    auth = oidc.start_device_authorization(clientId=client["clientId"],
                                           clientSecret=client["clientSecret"], startUrl=START)
    return client, auth


def poll(oidc, client, auth):
    return oidc.create_token(grantType="urn:ietf:params:oauth:grant-type:device_code",
                             clientId=client["clientId"], clientSecret=client["clientSecret"],
                             deviceCode=auth["deviceCode"])


def test_pending_is_answered_as_aws_answers_it(oidc, pending):
    with pytest.raises(ClientError) as caught:
        poll(oidc, *pending)
    error = caught.value.response
    assert error["Error"]["Code"] == "AuthorizationPendingException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == (
        "AuthorizationPendingException")


def test_the_verification_page_shows_the_code_and_approves_it(oidc, pending):
    _, auth = pending
    page = http("GET", auth["verificationUriComplete"])
    assert auth["userCode"] in page and "Allow access" in page
    result = http("POST", auth["verificationUri"].replace("/device", "/device/decide"),
                  {"user_code": auth["userCode"], "decision": "approve"}, form=True)
    assert 'data-outcome="approved"' in result
    assert poll(oidc, *pending)["accessToken"]


def test_the_verification_page_can_deny(oidc, pending, live_emulator):
    _, auth = pending
    http("POST", f"{live_emulator.url}/device/decide",
         {"user_code": auth["userCode"], "decision": "deny"}, form=True)
    with pytest.raises(oidc.exceptions.AccessDeniedException):
        poll(oidc, *pending)


def test_the_control_api_approves_and_reports_state(oidc, pending, live_emulator):
    _, auth = pending
    assert json.loads(http("GET", f"{live_emulator.url}/_emulator/pending")) == [auth["userCode"]]
    http("POST", f"{live_emulator.url}/_emulator/approve", {"user_code": auth["userCode"]})
    token = poll(oidc, *pending)
    secrets = json.loads(http("GET", f"{live_emulator.url}/_emulator/secrets"))
    assert token["accessToken"] in secrets and token["refreshToken"] in secrets
    log = json.loads(http("GET", f"{live_emulator.url}/_emulator/requests"))
    assert [r["operation"] for r in log] == ["RegisterClient", "StartDeviceAuthorization",
                                             "CreateToken"]


def test_faults_are_injected_per_operation_through_the_control_api(oidc, live_emulator):
    http("POST", f"{live_emulator.url}/_emulator/faults", {"RegisterClient": {"errors": 1}})
    strict = boto3.client("sso-oidc", region_name="us-east-1",
                          config=Config(signature_version=UNSIGNED,
                                        retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as caught:
        strict.register_client(clientName="x", clientType="public")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert strict.register_client(clientName="x", clientType="public")["clientId"]


def test_sts_rejects_keys_it_never_issued(live_emulator):
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="ASIANOTISSUED",
                       aws_secret_access_key="x", aws_session_token="y")
    with pytest.raises(ClientError) as caught:
        sts.get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_sts_throttles_as_sts_does_with_a_400_throttling(live_emulator):
    """The portal and sso-oidc say 429 TooManyRequestsException; STS says 400 Throttling."""
    live_emulator.state.set_fault("GetCallerIdentity", throttle=1)
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="ASIANOTISSUED",
                       aws_secret_access_key="x", aws_session_token="y",
                       config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as caught:
        sts.get_caller_identity()
    assert caught.value.response["Error"] == {"Code": "Throttling", "Message": "Rate exceeded",
                                              "Type": "Sender"}
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_refresh_tokens_rotate(oidc, pending, live_emulator):
    client, _ = pending
    live_emulator.approve()
    first = poll(oidc, *pending)
    refresh = dict(grantType="refresh_token", clientId=client["clientId"],
                   clientSecret=client["clientSecret"], refreshToken=first["refreshToken"])
    assert oidc.create_token(**refresh)["accessToken"] != first["accessToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(**refresh)


def test_an_org_file_sets_accounts_roles_and_user(tmp_path):
    path = tmp_path / "org.json"
    path.write_text(json.dumps({"user": "grace", "accounts": [
        {"id": "123456789012", "name": "research", "roles": ["Analyst"]}]}))
    org = Org.load(path)
    assert org.user == "grace"
    assert org.account("123456789012").roles == ("Analyst",)


def test_the_emulator_listens_on_loopback_by_default():
    with Emulator() as emu:
        assert emu.url.startswith("http://127.0.0.1:")


def test_sts_checks_the_signature_and_the_session_token(live_emulator):
    state = live_emulator.state
    client = state.register_client({"clientName": "t", "clientType": "public"})
    auth = state.start_device_authorization({**client, "startUrl": START}, live_emulator.url)
    state.decide(auth["userCode"], approve=True)
    token = state.create_token({**client, "deviceCode": auth["deviceCode"],
                                "grantType": "urn:ietf:params:oauth:grant-type:device_code"})
    creds = state.get_role_credentials(token["accessToken"], {
        "account_id": "111122223333", "role_name": "DataScientist"})["roleCredentials"]

    def sts(secret, session_token):
        return boto3.client("sts", region_name="eu-west-1",
                            aws_access_key_id=creds["accessKeyId"],
                            aws_secret_access_key=secret, aws_session_token=session_token)

    right = sts(creds["secretAccessKey"], creds["sessionToken"])
    assert right.get_caller_identity()["Account"] == "111122223333"
    for wrong, code in [(sts("not-the-secret", creds["sessionToken"]), "SignatureDoesNotMatch"),
                        (sts(creds["secretAccessKey"], "other-token"), "InvalidClientTokenId")]:
        with pytest.raises(ClientError) as caught:
            wrong.get_caller_identity()
        assert caught.value.response["Error"]["Code"] == code


def test_revoking_role_credentials_alone_leaves_the_sign_in_standing(config_file, live_emulator):
    from helpers import Approver, live_runtime

    from ssomagic import api

    runtime = live_runtime(config_file.parent.parent)
    with Approver(live_emulator):
        api.login("dev", runtime=runtime, listener=lambda event: None)
    creds = json.loads(api.export_credentials("dev", format="process", runtime=runtime))
    answer = json.loads(http("POST", f"{live_emulator.url}/_emulator/revoke", {"tokens": False}))
    assert answer["revoked"] >= 1
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])
    with pytest.raises(ClientError):
        sts.get_caller_identity()
    assert api.accounts(sso_session="my-sso", runtime=runtime)  # the token still serves
