"""What the token cache (engine/files/token_cache.py) says of a file it cannot use, word for
word, where a person reads it (`status`, and the kernel's log once per damaged file), its
refusals of a folder or a link, and its times in UTC whatever this machine's zone."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone

import pytest
from helpers import approve_when_asked

from ssomagic import api
from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import LocalStateError
from ssomagic.engine.files.token_cache import TokenCache, format_time, parse_time


@pytest.fixture
def cache_and_session(config_file, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda e: None)
    return TokenCache(runtime), load_config(runtime).profile("dev").sso


DAMAGE = {
    "empty": (b"", "it is empty"),
    "half-written": (b'{"accessToken": "a', "it is not valid JSON (perhaps half-written)"),
    "a list": (b"[]", "it does not hold a JSON object"),
    "not UTF-8": (b'{"accessToken": "\xff"}', "it is not UTF-8 text"),
    "no expiry": (b'{"accessToken": "a"}', "it has no accessToken or expiresAt"),
    "an expiry that is no time": (b'{"accessToken": "a", "expiresAt": "soon"}',
                                  "its expiresAt is not a time"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_token_file_is_explained_by_what_is_wrong_with_it(cache_and_session, damage):
    cache, session = cache_and_session
    path = cache.token_path(session)
    content, why = DAMAGE[damage]
    path.write_bytes(content)
    assert cache.token_problem(session) == f"{path} cannot be used: {why}"


def test_a_directory_where_the_token_file_belongs_is_explained(cache_and_session):
    cache, session = cache_and_session
    path = cache.token_path(session)
    path.unlink()
    path.mkdir()
    assert cache.token_problem(session) == f"{path} cannot be used: it is a directory"


def test_a_damaged_token_file_is_logged_once_naming_it_and_again_when_it_changes(
        cache_and_session, caplog):
    cache, session = cache_and_session
    path = cache.token_path(session)
    path.write_text("")
    with caplog.at_level(logging.WARNING, logger="ssomagic"):
        assert cache.load_token(session) is None
        assert cache.load_token(session) is None
        path.write_text("[]")
        assert cache.load_token(session) is None
    said = [r.getMessage() for r in caplog.records if "cannot be used" in r.getMessage()]
    assert said == [
        f"The SSO token cache file {path} cannot be used: {why}. ssomagic treats it as signed "
        f"out; signing in again replaces it and keeps the damaged file as {path.name}.corrupt."
        for why in ("it is empty", "it does not hold a JSON object")]


def test_a_token_is_loaded_with_the_path_it_came_from(cache_and_session):
    cache, session = cache_and_session
    assert cache.load_token(session).path == cache.token_path(session)


def test_a_token_shows_its_url_expiry_and_renewability_and_nothing_secret(cache_and_session,
                                                                         clock):
    cache, session = cache_and_session
    token = cache.load_token(session)
    assert repr(token) == (f"CachedToken(start_url={session.start_url!r}, "
                           f"expires_at={format_time(token.expires_at)!r}, refreshable=True)")


@pytest.mark.parametrize("write", [False, True])
def test_a_token_cache_others_may_write_is_refused_by_name(cache_and_session, write):
    cache, session = cache_and_session
    os.chmod(cache.directory, 0o777)
    with pytest.raises(LocalStateError) as refused:
        if write:
            cache.save_token(session, {"accessToken": "a", "expiresAt": "2026-12-03T09:00:00Z"})
        else:
            cache.load_token(session)
    assert str(refused.value).startswith(
        f"ssomagic will not use the SSO token cache in {cache.directory}:")


def test_a_token_file_that_is_a_link_is_refused_by_name(cache_and_session, tmp_path):
    cache, session = cache_and_session
    path = cache.token_path(session)
    elsewhere = tmp_path / "planted.json"
    elsewhere.write_text(path.read_text())
    path.unlink()
    path.symlink_to(elsewhere)
    with pytest.raises(LocalStateError) as refused:
        cache.load_token(session)
    assert str(refused.value).startswith(
        f"{path} is a symbolic link; ssomagic does not follow links for the token cache,")


def test_times_are_written_in_utc_whatever_the_machines_zone(in_tokyo):
    assert format_time(datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)) == "2026-01-01T09:00:00Z"


def test_a_time_with_an_offset_keeps_its_instant_and_one_without_is_utc():
    assert parse_time("2026-01-01T18:00:00+09:00") == datetime(2026, 1, 1, 9, 0,
                                                               tzinfo=timezone.utc)
    naive = parse_time("2026-01-01T09:00:00")
    assert naive.tzinfo == timezone.utc and naive.hour == 9


def test_a_healthy_registration_replaced_by_a_new_one_leaves_no_corrupt_copy(
        cache_and_session):
    cache, session = cache_and_session
    cache.save_registration(session, cache.load_registration(session))  # renewed
    assert not list(cache.directory.glob("*.corrupt"))


def test_a_registration_is_not_written_to_a_token_cache_others_may_write(cache_and_session):
    cache, session = cache_and_session
    registration = cache.load_registration(session)
    os.chmod(cache.directory, 0o777)
    with pytest.raises(LocalStateError) as refused:
        cache.save_registration(session, registration)
    assert str(refused.value).startswith(
        f"ssomagic will not use the SSO token cache in {cache.directory}:")


def test_a_damaged_file_set_aside_replaces_a_folder_left_in_its_corrupt_name(
        cache_and_session):
    cache, session = cache_and_session
    path = cache.token_path(session)
    kept = path.with_name(path.name + ".corrupt")
    kept.mkdir()  # a folder set aside there once
    (kept / "inside").write_text("old")
    path.write_text("{half")
    cache.save_token(session, {"accessToken": "a", "expiresAt": "2026-12-03T09:00:00Z"})
    assert kept.read_text() == "{half"


def test_a_link_in_the_corrupt_name_is_replaced_and_what_it_points_at_left_alone(
        cache_and_session, tmp_path):
    cache, session = cache_and_session
    path = cache.token_path(session)
    kept = path.with_name(path.name + ".corrupt")
    target = tmp_path / "someone-elses-folder"
    target.mkdir()
    kept.symlink_to(target)
    path.write_text("{half")
    cache.save_token(session, {"accessToken": "a", "expiresAt": "2026-12-03T09:00:00Z"})
    assert not kept.is_symlink() and kept.read_text() == "{half"
    assert target.is_dir()
