"""Atomic writes as botocore's JSONFileCache makes them: a temp file beside the target, fsync,
os.replace; private folders; the leftovers of killed writers cleaned up."""

from __future__ import annotations

import os
import re
import stat
import time

import pytest

from ssomagic.engine.errors import LocalStateError
from ssomagic.engine.files.atomic import LEFTOVER_AGE, atomic_write, private_dir


def test_the_temp_file_is_beside_the_target_and_named_as_a_leftover_is_found(tmp_path,
                                                                             monkeypatch):
    """os.replace is atomic only within one file system, so the temp file stands in the
    target's own folder; its name is the one remove_leftovers looks for."""
    replaced = []
    replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (replaced.append(src),
                                                         replace(src, dst)))
    target = tmp_path / "cache" / "token.json"
    assert atomic_write(target, "{}")
    temp = replaced[0]
    assert os.path.dirname(temp) == str(target.parent)
    assert re.fullmatch(r"\.token\.json\..+\.tmp", os.path.basename(temp)), temp


def test_the_file_holds_exactly_the_text_in_utf_8_and_is_private(tmp_path):
    target = tmp_path / "config"
    atomic_write(target, "# café\r\n[default]\n")
    assert target.read_bytes() == "# café\r\n[default]\n".encode()  # no newline translation
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_refused_compare_and_swap_writes_nothing_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "folder" / "config"
    target.parent.mkdir()
    target.write_text("theirs")
    assert atomic_write(target, "ours", unchanged=lambda: False) is False
    assert target.read_text() == "theirs" and os.listdir(target.parent) == ["config"]


def test_a_killed_writers_old_temp_file_is_removed_and_a_running_ones_kept(tmp_path):
    target = tmp_path / "token.json"
    old, running = tmp_path / ".token.json.dead.tmp", tmp_path / ".token.json.live.tmp"
    for leftover in (old, running):
        leftover.write_text("secret")
    past = time.time() - LEFTOVER_AGE - 1
    os.utime(old, (past, past))
    atomic_write(target, "{}")
    assert not old.exists() and running.exists()


def test_folders_made_are_0700_whatever_the_umask(tmp_path):
    before = os.umask(0o022)
    try:
        made = private_dir(tmp_path / "a" / "b")
    finally:
        os.umask(before)
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700


@pytest.mark.parametrize("where", ["itself", "above"])
def test_a_file_where_a_folder_should_be_is_one_line_naming_it(tmp_path, where):
    stray = tmp_path / "sso"
    stray.write_text("not a folder")
    target = (stray if where == "itself" else stray / "cache") / "token.json"
    with pytest.raises(LocalStateError) as caught:
        atomic_write(target, "{}")
    assert str(caught.value) == (f"Cannot write in {stray}: it is a file, where a folder "
                                 f"should be. Move {stray} away (it may be a stray copy), "
                                 "then try again.")
    assert stray.read_text() == "not a folder"


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temp_file(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    target = folder / "config"
    target.write_text("old")

    def interrupted() -> bool:
        raise KeyboardInterrupt  # Ctrl-C between the fsync and the replace

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new", unchanged=interrupted)
    assert target.read_text() == "old" and os.listdir(folder) == ["config"]


def test_cleaning_up_says_how_many_leftovers_it_removed(tmp_path):
    from ssomagic.engine.files.atomic import remove_leftovers

    target = tmp_path / "token.json"
    past = time.time() - LEFTOVER_AGE - 1
    for name in (".token.json.a.tmp", ".token.json.b.tmp"):
        (tmp_path / name).write_text("secret")
        os.utime(tmp_path / name, (past, past))
    assert remove_leftovers(target) == 2 and remove_leftovers(target) == 0
