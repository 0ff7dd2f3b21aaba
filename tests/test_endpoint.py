"""A local credentials endpoint that refreshes: the container-credentials protocol every SDK
reads, for work that leaves the kernel (subprocesses, containers, processes that outlive an
hour of role credentials)."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request

import pytest
from helpers import nothing_in, run_python

from ssomagic import api


@pytest.fixture
def endpoint(signed_in_dev):
    served = api.serve("dev", runtime=signed_in_dev)
    yield served
    served.stop()


def ask(endpoint, token: str | None) -> tuple[int, dict]:
    request = urllib.request.Request(endpoint.url, headers={"Authorization": token} if token
                                     else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def sdk_identity(endpoint) -> str:
    """boto3 in another process with only the endpoint's two variables (no profile)."""
    env = {**endpoint.environment(), "AWS_DEFAULT_REGION": "us-east-1"}
    result = run_python("""
        import boto3
        print(boto3.client("sts").get_caller_identity()["Account"])
    """, env={**env, "AWS_CONFIG_FILE": os.devnull})
    return result.stdout.strip() or result.stderr.strip().splitlines()[-1]


def test_an_sdk_with_only_the_two_variables_gets_the_profiles_identity(endpoint):
    assert endpoint.url.startswith("http://127.0.0.1:")
    assert sdk_identity(endpoint) == "111122223333"


def test_a_request_without_or_with_a_wrong_token_is_refused(endpoint):
    assert ask(endpoint, None)[0] == 403
    status, body = ask(endpoint, "not-the-token")
    assert status == 403 and body["Code"] == "AccessDenied"
    assert "AccessKeyId" not in body


def test_credentials_are_fetched_again_before_they_expire(signed_in_dev, live_emulator):
    live_emulator.state.update_settings(role_credentials_lifetime=15 * 60 + 2)
    served = api.serve("dev", runtime=signed_in_dev)
    try:
        token = served.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        first = ask(served, token)[1]
        time.sleep(3)  # inside the 15-minute window now: botocore's refresh fetches anew
        second = ask(served, token)[1]
        assert first["AccessKeyId"] != second["AccessKeyId"]
        assert sdk_identity(served) == "111122223333"
    finally:
        served.stop()


def test_after_logout_it_answers_an_error_the_sdk_reports(endpoint, signed_in_dev):
    token = endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    assert ask(endpoint, token)[0] == 200
    api.logout(all=True, runtime=signed_in_dev)
    status, body = ask(endpoint, token)
    assert status == 401 and "not signed in" in body["Message"]
    assert "111122223333" not in sdk_identity(endpoint)


def test_fifty_clients_at_once_get_one_fetch(endpoint, live_emulator):
    token = endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    before = len(live_emulator.state.requests("GetRoleCredentials"))
    answers: list[str] = []

    def client() -> None:
        answers.append(ask(endpoint, token)[1]["AccessKeyId"])

    clients = [threading.Thread(target=client) for _ in range(50)]
    for c in clients:
        c.start()
    for c in clients:
        c.join(30)
    assert len(answers) == 50 and len(set(answers)) == 1
    assert len(live_emulator.state.requests("GetRoleCredentials")) - before <= 1


def test_the_endpoints_repr_holds_no_token(endpoint):
    assert endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"] not in repr(endpoint)


# ---- the protocol, word for word ---------------------------------------------------------

def ask_raw(endpoint, token: str | None):
    request = urllib.request.Request(endpoint.url, headers={"Authorization": token} if token
                                     else {})
    try:
        answer = urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as exc:
        answer = exc
    with answer:
        body = answer.read()
        return answer.status, dict(answer.headers), body


def test_a_refusal_says_which_token_it_needs_as_json(endpoint):
    status, headers, body = ask_raw(endpoint, "not-the-token")
    assert status == 403
    assert json.loads(body) == {"Code": "AccessDenied", "Message": "This credentials endpoint "
                                "needs its token (AWS_CONTAINER_AUTHORIZATION_TOKEN)."}
    assert headers["Content-Type"] == "application/json"
    assert headers["Content-Length"] == str(len(body))


def test_credentials_are_the_container_documents_fields_with_the_roles_account(endpoint,
                                                                              home, in_tokyo):
    token = endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    status, headers, body = ask_raw(endpoint, token)
    document = json.loads(body)
    cached = json.loads(next((home / ".aws/cli/cache").glob("*.json")).read_text())
    keys = cached["Credentials"]
    assert status == 200 and headers["Content-Length"] == str(len(body))
    assert document == {"AccessKeyId": keys["AccessKeyId"],
                        "SecretAccessKey": keys["SecretAccessKey"],
                        "Token": keys["SessionToken"], "Expiration": keys["Expiration"],
                        "AccountId": "111122223333"}
    assert endpoint.served == 1
    ask_raw(endpoint, token)
    assert endpoint.served == 2


def test_signed_out_it_answers_401_with_the_line_that_says_how_to_sign_in(endpoint,
                                                                         signed_in_dev):
    token = endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    api.logout(all=True, runtime=signed_in_dev)
    status, _, body = ask_raw(endpoint, token)
    assert status == 401
    assert json.loads(body) == {"Code": "NotSignedIn", "Message": (
        "The SSO session my-sso is not signed in, has expired or was signed out. Sign in "
        "again: `ssomagic login dev`.")}
    assert endpoint.served == 0


def test_a_bad_answer_from_the_portal_is_its_one_line_never_a_traceback(endpoint,
                                                                         live_emulator):
    live_emulator.state.set_fault("GetRoleCredentials", misshapen=[
        {"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": "T",
                             "expiration": "soon"}}])
    token = endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    status, _, body = ask_raw(endpoint, token)
    assert status == 502 and json.loads(body)["Code"] == "BadAnswer"
    assert json.loads(body)["Message"] == (
        "The AWS access portal answered the request to give credentials for DataScientist in "
        "account 111122223333 with something that is not what the API promises (ValueError). "
        "A proxy or a wrong AWS_ENDPOINT_URL_* setting often does this; check them, then try "
        "again.")  # botocore's parser gave up on an expiration that is no number


def test_following_another_profile_serves_its_credentials_from_then_on(endpoint,
                                                                      signed_in_dev):
    from ssomagic.engine.config.read import load_config

    token = endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    assert json.loads(ask_raw(endpoint, token)[2])["AccountId"] == "111122223333"
    endpoint.follow(load_config(signed_in_dev).profile("prod"))
    assert json.loads(ask_raw(endpoint, token)[2])["AccountId"] == "444455556666"


def test_signing_in_again_after_a_logout_serves_again(endpoint, signed_in_dev, live_emulator):
    from helpers import Approver

    token = endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    api.logout(all=True, runtime=signed_in_dev)
    assert ask_raw(endpoint, token)[0] == 401
    with Approver(live_emulator):
        api.login("dev", runtime=signed_in_dev, listener=lambda e: None)
    status, _, body = ask_raw(endpoint, token)
    assert status == 200 and json.loads(body)["AccountId"] == "111122223333"


def test_a_profile_with_static_keys_is_served_without_a_token_expiry_or_account(
        signed_in_dev, config_file):
    config_file.write_text(config_file.read_text() + (
        "\n[profile keys]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\n"
        "aws_secret_access_key = not-a-real-secret-key-for-this-test-only\n"))
    served = api.serve("keys", runtime=signed_in_dev)
    try:
        token = served.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        status, _, body = ask_raw(served, token)
    finally:
        served.stop()
    assert status == 200
    assert json.loads(body) == {"AccessKeyId": "AKIAEXAMPLEEXAMPLE12",
                                "SecretAccessKey": "not-a-real-secret-key-for-this-test-only",
                                "Token": ""}


# ---- each refusal by whose it is --------------------------------------------------------------

def served_status(profile: str, runtime) -> tuple[int, dict]:
    served = api.serve(profile, runtime=runtime)
    try:
        return ask(served, served.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"])
    finally:
        served.stop()


def test_a_portal_that_keeps_failing_answers_503_another_try_may_serve(endpoint,
                                                                      live_emulator):
    live_emulator.state.set_fault("GetRoleCredentials", errors=1_000)
    status, document = ask(endpoint, endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"])
    assert (status, document["Code"]) == (503, "ServiceUnavailable")
    assert document["Message"].startswith("The AWS access portal could not give credentials")


def test_a_role_the_portal_does_not_grant_answers_403_no_access(signed_in_dev, config_file):
    config_file.write_text(config_file.read_text() + (
        "\n[profile admin]\nsso_session = my-sso\nsso_account_id = 111122223333\n"
        "sso_role_name = AdministratorAccess\n"))
    status, document = served_status("admin", signed_in_dev)
    assert (status, document["Code"]) == (403, "NoAccess")
    assert document["Message"].startswith(
        "No access to role AdministratorAccess in account 111122223333.")


def test_a_chain_its_config_asks_wrongly_for_answers_500_config_error(signed_in_dev,
                                                                    config_file):
    config_file.write_text(config_file.read_text() + (
        "\n[profile long]\nrole_arn = arn:aws:iam::555566667777:role/DataReader\n"
        "source_profile = dev\nduration_seconds = 7200\n"))
    status, document = served_status("long", signed_in_dev)
    assert (status, document["Code"]) == (500, "ConfigError")
    assert "duration_seconds" in document["Message"]


@pytest.mark.parametrize(("profile", "account"), [("dev", "111122223333"),
                                                  ("data", "555566667777")])
def test_an_endpoint_on_a_runtime_with_a_home_of_its_own_serves_from_it(signed_in_elsewhere,
                                                                        home, profile,
                                                                        account):
    status, document = served_status(profile, signed_in_elsewhere)
    assert status == 200 and document["AccessKeyId"].startswith("ASIA")
    assert document.get("AccountId", account) == account
    assert nothing_in(home)


def test_a_credential_process_that_fails_answers_its_one_line_not_a_500(signed_in_dev,
                                                                        config_file):
    config_file.write_text(config_file.read_text() + (
        "\n[profile broken]\ncredential_process = sh -c 'echo no key for you >&2; exit 3'\n"))
    status, document = served_status("broken", signed_in_dev)
    assert (status, document["Code"]) == (401, "NotSignedIn")
    assert document["Message"] == (
        "No credentials for broken from the credential_process `sh -c 'echo no key for you "
        ">&2; exit 3'`: Error when retrieving credentials from custom-process: no key for "
        "you. Check that profile's section.")


def test_a_token_cache_every_user_may_write_answers_500_naming_the_folder(endpoint,
                                                                          signed_in_dev):
    signed_in_dev.sso_cache_dir.chmod(0o777)
    status, document = ask(endpoint, endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"])
    assert (status, document["Code"]) == (500, "LocalState")
    assert document["Message"].startswith(
        f"ssomagic will not use the SSO token cache in {signed_in_dev.sso_cache_dir}:")


def test_a_failure_nothing_foresaw_is_answered_with_its_kind_never_a_dropped_connection(
        endpoint):
    """The safety net under every foreseen refusal: a defect of ssomagic's own (here, told
    to follow something that is no profile) is answered, and the SDK reports it."""
    endpoint.follow(object())  # type: ignore[arg-type]
    status, document = ask(endpoint, endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"])
    assert (status, document) == (500, {
        "Code": "Unavailable", "Message": "ssomagic could not get credentials (AttributeError)."})
