"""How a config edit lands (engine/config/write.py) when others write the same file: a change
redone on whatever another writer left, a save into the file just replaced taken up, the
lock that keeps two ssomagic edits apart, and what each says when it has to give up."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from filelock import FileLock

from ssomagic.engine import timing
from ssomagic.engine.config.read import load_config
from ssomagic.engine.config.write import edit, set_profile, set_sso_session, upsert
from ssomagic.engine.errors import ConfigBusyError, ConfigError, LocalStateError
from ssomagic.engine.runtime import Runtime

ORIGINAL = "# mine\n[profile a]\nregion = eu-west-1\n"


@pytest.fixture
def elsewhere(tmp_path: Path, clock) -> Runtime:
    """A runtime whose home is not the process's, with a config of its own."""
    runtime = Runtime(home=tmp_path / "elsewhere", environ={}, now=clock.now,
                      sleep=clock.sleep)
    runtime.config_file.parent.mkdir(parents=True)
    runtime.config_file.write_text(ORIGINAL)
    return runtime


def add(name: str):
    return lambda updater: upsert(updater, f"profile {name}", {"region": "us-east-1"})


def test_a_write_by_another_program_between_the_read_and_the_replace_is_kept(elsewhere,
                                                                          clock):
    config, writes = elsewhere.config_file, []

    def change(updater):
        if not writes:  # another program saves after our read, once
            config.write_text(ORIGINAL + "[profile theirs]\nregion = us-west-2\n")
            writes.append(1)
        add("ours")(updater)

    edit(elsewhere, change)
    assert set(load_config(elsewhere).profiles) == {"a", "theirs", "ours"}
    assert clock.slept == [timing.SETTLE]  # one pause before the redo


def test_a_file_that_keeps_changing_is_left_as_the_other_writer_left_it(elsewhere, clock):
    config = elsewhere.config_file

    def change(updater):
        config.write_text(ORIGINAL + f"# save {len(clock.slept)}\n")
        add("ours")(updater)

    with pytest.raises(ConfigBusyError) as gave_up:
        edit(elsewhere, change)
    assert str(gave_up.value) == (
        f"{config} kept changing while ssomagic tried to edit it ({timing.EDIT_TRIES} tries); "
        "nothing was written. Try again when the program writing it (an editor?) has saved.")
    assert "ours" not in load_config(elsewhere).profiles
    assert clock.slept == [timing.SETTLE * n for n in range(1, timing.EDIT_TRIES + 1)]


def save_in_place_after_the_replace(config: Path, content: bytes) -> threading.Thread:
    """An editor that opened the file before ssomagic's replace, saving into it just after."""
    old = config.stat().st_ino
    editor = open(config, "r+b")  # noqa: SIM115 - held across the edit

    def save() -> None:
        try:
            until = time.monotonic() + 10
            while config.stat().st_ino == old and time.monotonic() < until:
                time.sleep(0.001)
            time.sleep(0.05)  # the save lands a moment after the replace, not at once
            editor.seek(0)
            editor.truncate()
            editor.write(content)
            editor.flush()
        finally:
            editor.close()

    saver = threading.Thread(target=save)
    saver.start()
    return saver


def test_a_save_into_the_file_just_replaced_is_taken_up_not_lost(elsewhere, monkeypatch):
    """An editor that opened the file before the replace and saves in place writes into the
    old file; that save is read back and the edit redone on it."""
    monkeypatch.setattr(timing, "LINGER", 1.0)  # a loaded machine still sees the save
    config = elsewhere.config_file
    saver = save_in_place_after_the_replace(
        config, (ORIGINAL + "[profile hand]\nregion = eu-west-2\n").encode())
    try:
        set_profile("new", {"region": "us-east-1"}, elsewhere)
    finally:
        saver.join()
    assert set(load_config(elsewhere).profiles) == {"a", "hand", "new"}
    assert config.read_text().startswith("# mine\n")


def test_a_save_into_the_file_just_replaced_that_is_not_utf_8_stands_as_saved(elsewhere,
                                                                             monkeypatch):
    """ssomagic does not rewrite a file it cannot read: the other program's save is put back
    byte for byte, the edit is not made, and the line says why."""
    monkeypatch.setattr(timing, "LINGER", 1.0)  # a loaded machine still sees the save
    config = elsewhere.config_file
    mode = stat.S_IMODE(config.stat().st_mode)
    theirs = ORIGINAL.encode() + b"# caf\xe9\n[profile hand]\nregion = eu-west-2\n"  # Latin-1
    saver = save_in_place_after_the_replace(config, theirs)
    try:
        with pytest.raises(ConfigError) as caught:
            set_profile("new", {"region": "us-east-1"}, elsewhere)
    finally:
        saver.join()
    assert config.read_bytes() == theirs
    assert str(caught.value) == (
        f"The config file {config} is not UTF-8 text (byte {theirs.index(0xE9)}). Save it as "
        "UTF-8; ssomagic will not rewrite a file it cannot read.")
    assert stat.S_IMODE(config.stat().st_mode) == mode  # its own, as an edit keeps it


def test_an_edit_waits_a_bounded_time_for_another_ssomagic_edit_then_says_so(elsewhere,
                                                                            monkeypatch):
    monkeypatch.setattr(timing, "LOCK_WAIT", 1.0)
    key = hashlib.sha1(str(elsewhere.config_file.resolve()).encode()).hexdigest()
    elsewhere.own_cache_dir.mkdir(parents=True)
    held = FileLock(str(elsewhere.own_cache_dir / f"config-{key}.lock"))
    with held, pytest.raises(ConfigBusyError) as busy:
        set_profile("new", {"region": "us-east-1"}, elsewhere)
    assert str(busy.value) == (f"Another ssomagic process has been editing "
                               f"{elsewhere.config_file} for 1 s; nothing was written. Try "
                               "again when it is done.")
    assert elsewhere.config_file.read_text() == ORIGINAL


def test_the_lock_is_private_in_ssomagics_folder_keyed_by_the_files_real_path(elsewhere):
    link = elsewhere.home / "config-link"
    link.symlink_to(elsewhere.config_file)
    set_profile("new", {"region": "us-east-1"}, elsewhere)
    via_link = Runtime(home=elsewhere.home, environ={"AWS_CONFIG_FILE": str(link)})
    set_sso_session("team", {"sso_region": "us-east-1"}, via_link)
    assert load_config(elsewhere).sso_sessions["team"] == {"sso_region": "us-east-1"}
    key = hashlib.sha1(str(elsewhere.config_file.resolve()).encode()).hexdigest()
    assert [p.name for p in elsewhere.own_cache_dir.iterdir()] == [f"config-{key}.lock"]
    lock = elsewhere.own_cache_dir / f"config-{key}.lock"
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    aws = elsewhere.config_file.parent
    assert [p.name for p in aws.iterdir() if not p.is_dir()] == ["config"]  # no lock in ~/.aws


@pytest.mark.parametrize(("folder", "what"), [
    (lambda r: r.config_file.parent, "the AWS config file"),
    (lambda r: r.own_cache_dir, "config locks"),
])
def test_an_edit_refuses_a_folder_every_user_may_write_naming_what_it_holds(elsewhere,
                                                                            folder, what):
    place = folder(elsewhere)
    place.mkdir(parents=True, exist_ok=True)
    place.chmod(0o777)
    with pytest.raises(LocalStateError) as refused:
        set_profile("new", {"region": "us-east-1"}, elsewhere)
    assert str(refused.value).startswith(f"ssomagic will not use {what} in {place}:")
    assert elsewhere.config_file.read_text() == ORIGINAL


@pytest.mark.parametrize(("text", "after"), [
    ("[profile a]\nregion = eu-west-1", "[profile a]\nregion = eu-west-1\n[profile b]\n"),
    ("[profile a]\nregion = eu-west-1\n", "[profile a]\nregion = eu-west-1\n[profile b]\n"),
    ("", "[profile b]\n"),
])
def test_appended_sections_start_on_a_line_of_their_own(elsewhere, text, after):
    elsewhere.config_file.write_text(text)
    written = edit(elsewhere, lambda updater: "[profile b]\n")
    assert elsewhere.config_file.read_text() == after == written.after


def test_a_preview_is_a_unified_diff_of_the_file_by_its_name(elsewhere):
    preview = edit(elsewhere, add("b"), dry_run=True)
    path = elsewhere.config_file
    assert preview.diff() == (f"--- {path}\n+++ {path}\n@@ -1,3 +1,5 @@\n # mine\n"
                              " [profile a]\n region = eu-west-1\n+[profile b]\n"
                              "+region = us-east-1\n")
    assert path.read_text() == ORIGINAL


def test_a_malformed_file_is_named_with_its_line_and_never_rewritten(elsewhere):
    from ssomagic.engine.errors import ConfigParseError

    elsewhere.config_file.write_text("[profile a]\nregion\n")
    with pytest.raises(ConfigParseError) as refused:
        set_profile("new", {"region": "us-east-1"}, elsewhere)
    assert str(elsewhere.config_file) in str(refused.value)
    assert elsewhere.config_file.read_text() == "[profile a]\nregion\n"


def test_a_file_nobody_touched_lately_is_not_watched_after_the_replace(elsewhere,
                                                                        monkeypatch):
    monkeypatch.setattr(timing, "LINGER", 5.0)
    an_hour_ago = time.time() - 3600
    os.utime(elsewhere.config_file, (an_hour_ago, an_hour_ago))
    started = time.monotonic()
    set_profile("new", {"region": "us-east-1"}, elsewhere)
    assert time.monotonic() - started < 0.9  # no linger: nothing to wait for


def test_a_lock_that_is_a_link_is_refused(elsewhere):
    key = hashlib.sha1(str(elsewhere.config_file.resolve()).encode()).hexdigest()
    elsewhere.own_cache_dir.mkdir(parents=True)
    (elsewhere.own_cache_dir / f"config-{key}.lock").symlink_to(elsewhere.home / "elsewhere")
    with pytest.raises(LocalStateError) as refused:
        set_profile("new", {"region": "us-east-1"}, elsewhere)
    assert "ssomagic does not follow links for locks, since" in str(refused.value)
    assert elsewhere.config_file.read_text() == ORIGINAL
