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
from helpers import run_python

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
