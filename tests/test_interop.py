"""A sign-in by ssomagic serves plain boto3 and botocore, and the other way round."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from botocore.session import Session as BotocoreSession
from botocore.tokens import SSOTokenProvider, _sso_json_dumps
from botocore.utils import JSONFileCache
from helpers import Approver, approve_when_asked, live_runtime, run_python

from ssomagic import api
from ssomagic.engine.config.read import load_config
from ssomagic.engine.files.token_cache import TokenCache
from ssomagic.engine.signin.tokens import current_token


def quiet(event):
    pass


def botocore_token_provider(runtime, clock, profile="dev"):
    """botocore's own refreshing token provider, on this test's HOME and clock."""
    cache = JSONFileCache(str(runtime.sso_cache_dir), dumps_func=_sso_json_dumps)
    return SSOTokenProvider(BotocoreSession(profile=profile), cache=cache, profile_name=profile,
                            time_fetcher=clock.now)


def test_plain_boto3_uses_an_ssomagic_login_without_signing_in_again(config_file, home,
                                                                     live_emulator):
    with Approver(live_emulator):
        api.login("dev", runtime=live_runtime(home), listener=quiet)
    result = run_python("""
        import boto3, json
        identity = boto3.Session(profile_name="dev").client("sts").get_caller_identity()
        print(json.dumps({"Account": identity["Account"], "Arn": identity["Arn"]}))
    """)
    assert result.returncode == 0, result.stderr
    identity = json.loads(result.stdout)
    assert identity["Account"] == "111122223333"
    assert ":assumed-role/AWSReservedSSO_DataScientist_" in identity["Arn"]
    assert len(live_emulator.state.requests("StartDeviceAuthorization")) == 1


def test_plain_boto3_uses_a_legacy_profile_login(config_file, home, live_emulator):
    with Approver(live_emulator):
        api.login("legacy", runtime=live_runtime(home), listener=quiet)
    result = run_python("""
        import boto3
        print(boto3.Session(profile_name="legacy").client(
            "sts", region_name="us-east-1").get_caller_identity()["Account"])
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "777788889999"


def test_a_token_refreshed_by_botocore_is_read_by_ssomagic(config_file, runtime, emulator,
                                                          clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    session = load_config(runtime).profile("dev").sso
    path = TokenCache(runtime).token_path(session)
    ours = json.loads(path.read_text())
    clock.advance(8 * 3600 - 5 * 60)
    refreshed = botocore_token_provider(runtime, clock).load_token().get_frozen_token()
    theirs = json.loads(path.read_text())
    assert refreshed.token == theirs["accessToken"] != ours["accessToken"]
    assert list(theirs) == list(ours)
    token = current_token(session, runtime=runtime)
    assert token.access_token == refreshed.token
    assert len([r for r in emulator.state.requests("CreateToken") if r["status"] == 200]) == 2


def test_a_token_refreshed_by_ssomagic_is_read_by_botocore(config_file, runtime, emulator,
                                                          clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    session = load_config(runtime).profile("dev").sso
    clock.advance(8 * 3600 - 5 * 60)
    ours = current_token(session, runtime=runtime)
    frozen = botocore_token_provider(runtime, clock).load_token().get_frozen_token()
    assert frozen.token == ours.access_token
    assert frozen.expiration == ours.expires_at
    # botocore found nothing to refresh: only the device grant and our refresh were issued.
    assert len([r for r in emulator.state.requests("CreateToken") if r["status"] == 200]) == 2


@pytest.mark.parametrize("who_refreshes_first", ["botocore", "ssomagic"])
def test_refresh_writes_the_same_document_as_botocore(config_file, runtime, emulator, clock,
                                                      who_refreshes_first):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    session = load_config(runtime).profile("dev").sso
    path = TokenCache(runtime).token_path(session)
    clock.advance(8 * 3600 - 5 * 60)
    if who_refreshes_first == "botocore":
        botocore_token_provider(runtime, clock).load_token().get_frozen_token()
    else:
        current_token(session, runtime=runtime)
    text = path.read_text()
    document = json.loads(text)
    assert text == _sso_json_dumps(document)
    assert document["expiresAt"] == (clock.now() + timedelta(hours=8)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
