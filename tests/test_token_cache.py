"""Every file ssomagic writes in ~/.aws/sso/cache, byte for byte as the AWS CLI v2 writes it."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import stat
from datetime import datetime, timedelta, timezone

import pytest
from helpers import START_URL, approve_when_asked

from ssomagic import api
from ssomagic.engine.config.read import SsoSession, load_config
from ssomagic.engine.files.token_cache import TokenCache
from ssomagic.engine.signin.session_status import session_status

TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


@pytest.fixture
def signed_in(config_file, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda e: None)
    return runtime


def test_token_file_is_named_for_the_sso_session(signed_in, home):
    name = hashlib.sha1(b"my-sso").hexdigest() + ".json"
    assert name.startswith("0ad37430")  # as the facts note observed
    assert (home / ".aws/sso/cache" / name).is_file()


def test_legacy_token_file_is_named_for_the_start_url_as_written(config_file, runtime, emulator,
                                                                 clock, home):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("legacy", runtime=runtime, listener=lambda e: None)
    name = hashlib.sha1(START_URL.encode()).hexdigest() + ".json"
    assert (home / ".aws/sso/cache" / name).is_file()


def test_a_trailing_slash_in_a_legacy_start_url_names_another_file(config_file, runtime,
                                                                   emulator, clock, home):
    config_file.write_text(config_file.read_text().replace(
        f"sso_start_url = {START_URL}\nsso_region = us-east-1\nsso_account_id = 777788889999",
        f"sso_start_url = {START_URL}/\nsso_region = us-east-1\nsso_account_id = 777788889999"))
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("legacy", runtime=runtime, listener=lambda e: None)
    tokens = sorted(p.name for p in (home / ".aws/sso/cache").glob("*.json")
                    if "accessToken" in p.read_text())
    assert tokens == [hashlib.sha1((START_URL + "/").encode()).hexdigest() + ".json"]


def test_token_file_has_the_cli_keys_in_the_cli_order_on_one_line(signed_in, home, clock):
    path = home / ".aws/sso/cache" / (hashlib.sha1(b"my-sso").hexdigest() + ".json")
    text = path.read_text()
    document = json.loads(text)
    assert list(document) == ["startUrl", "region", "accessToken", "expiresAt", "clientId",
                              "clientSecret", "registrationExpiresAt", "refreshToken"]
    assert text == json.dumps(document)  # one line, default separators, no newline
    assert document["startUrl"] == START_URL and document["region"] == "us-east-1"
    assert re.fullmatch(TIME, document["expiresAt"])
    assert re.fullmatch(TIME, document["registrationExpiresAt"])
    assert document["expiresAt"] == (clock.now() + timedelta(hours=8)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def test_token_file_leaves_out_refresh_token_when_none_was_issued(config_file, runtime, emulator,
                                                                  clock, home):
    emulator.state.update_settings(refresh_tokens=False)
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda e: None)
    path = TokenCache(runtime).token_path(load_config(runtime).profile("dev").sso)
    assert "refreshToken" not in json.loads(path.read_text())


def test_cache_files_are_private(signed_in, home):
    for path in (home / ".aws/sso/cache").glob("*.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_no_temporary_files_are_left_behind(signed_in, home):
    names = sorted(p.name for p in (home / ".aws/sso/cache").iterdir())
    assert all(n.endswith(".json") or n.endswith(".lock") for n in names), names


def test_registration_file_matches_the_cli(signed_in, home):
    args = {"tool": "botocore", "startUrl": START_URL, "region": "us-east-1",
            "scopes": ["sso:account:access"], "session_name": "my-sso"}
    name = hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest() + ".json"
    text = (home / ".aws/sso/cache" / name).read_text()
    document = json.loads(text)
    assert list(document) == ["clientId", "clientSecret", "expiresAt", "scopes"]
    assert document["scopes"] == ["sso:account:access"]
    assert re.fullmatch(TIME, document["expiresAt"])
    assert text == json.dumps(document)


def test_registration_without_scopes_has_no_scopes_key(config_file, runtime, emulator, clock,
                                                       home):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("legacy", runtime=runtime, listener=lambda e: None)
    args = {"tool": "botocore", "startUrl": START_URL, "region": "us-east-1", "scopes": None,
            "session_name": None}
    name = hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest() + ".json"
    assert list(json.loads((home / ".aws/sso/cache" / name).read_text())) == [
        "clientId", "clientSecret", "expiresAt"]


def test_registration_client_name_is_the_clis(signed_in, emulator):
    assert [c.name for c in emulator.state._clients.values()] == ["botocore-client-my-sso"]


@pytest.mark.parametrize("content, why", [
    ("", "it is empty"),
    ('{"startUrl": "https://d-1234567890.awsapps.com/start", "accessTo', "not valid JSON"),
    ("[1, 2]", "does not hold a JSON object"),
    ('{"startUrl": "x"}', "no accessToken or expiresAt"),
])
def test_a_damaged_token_file_reads_as_signed_out_and_is_kept(config_file, runtime, content, why,
                                                              caplog):
    session = load_config(runtime).profile("dev").sso
    path = TokenCache(runtime).token_path(session)
    path.parent.mkdir(parents=True)
    path.write_text(content)
    status = session_status(session, runtime)
    assert status.state == "unreadable" and why in status.problem
    with caplog.at_level(logging.WARNING, logger="ssomagic"):
        assert TokenCache(runtime).load_token(session) is None
        assert TokenCache(runtime).load_token(session) is None
    assert len([r for r in caplog.records if "cannot be used" in r.getMessage()]) == 1
    assert path.read_text() == content


def test_signing_in_over_a_damaged_file_keeps_a_copy(config_file, runtime, emulator, clock):
    session = load_config(runtime).profile("dev").sso
    path = TokenCache(runtime).token_path(session)
    path.parent.mkdir(parents=True)
    path.write_text("{half")
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda e: None)
    assert path.with_name(path.name + ".corrupt").read_text() == "{half"
    assert session_status(session, runtime).signed_in


def test_a_damaged_registration_file_means_registering_again(config_file, runtime, emulator,
                                                             clock, caplog):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda e: None)
    session = load_config(runtime).profile("dev").sso
    TokenCache(runtime).registration_path(session).write_text("")
    with caplog.at_level(logging.WARNING, logger="ssomagic"):
        api.login("dev", runtime=runtime, listener=lambda e: None, force=True)
    assert len(emulator.state.requests("RegisterClient")) == 2
    assert "client registration file" in caplog.text


@pytest.mark.parametrize("content, why", [
    ('{"accessToken": 42, "expiresAt": "2026-11-27T17:00:00Z"}', "no accessToken or expiresAt"),
    ('{"accessToken": "x", "expiresAt": "tomorrow-ish"}', "expiresAt is not a time"),
    (b"\xff\xfe not utf-8", "not UTF-8"),
])
def test_a_token_file_in_any_state_is_one_line_and_kept_before_a_sign_in_replaces_it(
        config_file, runtime, emulator, clock, content, why):
    session = load_config(runtime).profile("dev").sso
    path = TokenCache(runtime).token_path(session)
    path.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    status = session_status(session, runtime)
    assert status.state == "unreadable" and why in status.problem
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda e: None)
    kept = path.with_name(path.name + ".corrupt")
    assert kept.read_bytes() == (content if isinstance(content, bytes) else content.encode())
    assert session_status(session, runtime).signed_in


def test_a_token_path_that_is_a_directory_is_set_aside(config_file, runtime, emulator, clock):
    session = load_config(runtime).profile("dev").sso
    path = TokenCache(runtime).token_path(session)
    path.mkdir(parents=True)
    assert "it is a directory" in session_status(session, runtime).problem
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda e: None)
    assert path.with_name(path.name + ".corrupt").is_dir() and path.is_file()


def test_directories_ssomagic_creates_are_private_whatever_the_umask(config_file, runtime,
                                                                     emulator, clock, home):
    import os

    old = os.umask(0)
    try:
        clock.on_sleep.append(approve_when_asked(emulator))
        api.login("dev", runtime=runtime, listener=lambda e: None)
    finally:
        os.umask(old)
    for directory in (home / ".aws" / "sso", home / ".aws" / "sso" / "cache"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    for path in (home / ".aws" / "sso" / "cache").glob("*.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_token_file_the_cli_is_rewriting_in_place_never_reads_as_signed_out(
        config_file, runtime, emulator, clock):
    import threading

    from helpers import approve_when_asked

    from ssomagic import api
    from ssomagic.engine.config.read import load_config
    from ssomagic.engine.files.token_cache import TokenCache

    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda e: None)
    session = load_config(runtime).profile("dev").sso
    path = TokenCache(runtime).token_path(session)
    whole = path.read_text()
    stop = threading.Event()

    def cli_rewrites() -> None:  # as the AWS CLI's JSONFileCache: truncate, then write
        while not stop.is_set():
            with open(path, "r+", encoding="utf-8") as f:
                f.truncate(0)
                f.flush()
                stop.wait(0.002)
                f.write(whole)
            stop.wait(0.01)

    writer = threading.Thread(target=cli_rewrites)
    writer.start()
    try:
        reads = [TokenCache(runtime).load_token(session) for _ in range(30)]
    finally:
        stop.set()
        writer.join()
    assert all(r is not None for r in reads)
    assert not path.with_name(path.name + ".corrupt").exists()


# ---- the registration file, read back --------------------------------------------------------

REGISTERED = SsoSession("my-sso", START_URL, "us-east-1")


@pytest.mark.parametrize(("scopes", "grants"), [
    (("sso:account:access",), ("authorization_code", "refresh_token")),  # the CLI's PKCE kind
    (None, None),  # a device-flow registration without scopes
])
def test_a_registration_reads_back_as_it_was_written(runtime, scopes, grants):
    from ssomagic.engine.files.token_cache import Registration

    written = Registration("client-id", "client-secret",
                           datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc), scopes, grants)
    TokenCache(runtime).save_registration(REGISTERED, written)
    assert TokenCache(runtime).load_registration(REGISTERED) == written


@pytest.mark.parametrize("document", [
    {"clientSecret": "s", "expiresAt": "2027-03-01T09:00:00Z"},
    {"clientId": "c", "expiresAt": "2027-03-01T09:00:00Z"},
    {"clientId": "c", "clientSecret": "s"},
    {"clientId": "c", "clientSecret": "s", "expiresAt": "soon"},
    {"clientId": "c", "clientSecret": "s", "expiresAt": "2027-03-01T09:00:00Z", "scopes": 7},
])
def test_a_registration_file_missing_or_mangling_a_key_means_registering_again(runtime,
                                                                              document,
                                                                              caplog):
    path = TokenCache(runtime).registration_path(REGISTERED)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    with caplog.at_level(logging.WARNING, logger="ssomagic"):
        assert TokenCache(runtime).load_registration(REGISTERED) is None
    assert [r.getMessage() for r in caplog.records] == [
        f"The client registration file {path} cannot be used: a key is missing or wrong. "
        "ssomagic treats it as signed out; signing in again replaces it and keeps the damaged "
        f"file as {path.name}.corrupt."]


def test_no_registration_file_is_no_registration_and_no_warning(runtime, caplog):
    with caplog.at_level(logging.WARNING, logger="ssomagic"):
        assert TokenCache(runtime).load_registration(REGISTERED) is None
    assert caplog.records == []
