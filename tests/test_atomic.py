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


def test_bytes_are_written_as_they_are(tmp_path):
    """A file another program saved in its own encoding is put back byte for byte."""
    target = tmp_path / "config"
    assert atomic_write(target, b"# caf\xe9\r\n", mode=0o644)
    assert target.read_bytes() == b"# caf\xe9\r\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


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


def racing_mkdir(monkeypatch, make):
    """os.mkdir as it behaves when another process makes the same path first."""
    real = os.mkdir
    raced: list[str] = []

    def mkdir(path, mode=0o777):
        if not raced:
            raced.append(str(path))
            make(path)
            raise FileExistsError(path)
        return real(path, mode)

    monkeypatch.setattr(os, "mkdir", mkdir)
    return raced


def test_a_folder_another_process_makes_meanwhile_is_taken_and_the_rest_made(tmp_path,
                                                                            monkeypatch):
    raced = racing_mkdir(monkeypatch, lambda path: os.makedirs(path, mode=0o755))
    target = tmp_path / "a" / "b" / "c"
    assert private_dir(target) == target and target.is_dir()
    assert raced == [str(tmp_path / "a")]
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o755  # theirs: left as it is
    assert stat.S_IMODE(target.stat().st_mode) == 0o700


def test_a_file_another_process_puts_where_a_folder_goes_is_one_line_naming_it(tmp_path,
                                                                              monkeypatch):
    racing_mkdir(monkeypatch, lambda path: open(path, "w").close())
    with pytest.raises(LocalStateError) as caught:
        private_dir(tmp_path / "a" / "b")
    assert str(caught.value) == (f"Cannot write in {tmp_path / 'a'}: it is a file, where a "
                                 f"folder should be. Move {tmp_path / 'a'} away (it may be a "
                                 "stray copy), then try again.")


def test_a_folder_that_may_not_be_made_is_one_line_naming_it_and_its_parent(tmp_path,
                                                                           monkeypatch):
    def refused(path, mode=0o777):
        raise PermissionError(path)

    monkeypatch.setattr(os, "mkdir", refused)  # what a user sees; root is never refused
    with pytest.raises(LocalStateError) as caught:
        private_dir(tmp_path / "cache")
    assert str(caught.value) == (f"Cannot create the folder {tmp_path / 'cache'}: permission "
                                 f"denied. Check the owner and mode of {tmp_path}.")


def test_a_folder_where_no_file_may_be_written_is_one_line_naming_it(tmp_path, monkeypatch):
    import tempfile

    def refused(**kwargs):
        raise PermissionError(kwargs["dir"])

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(LocalStateError) as caught:
        atomic_write(tmp_path / "config", "[default]\n")
    assert str(caught.value) == (f"Cannot write in {tmp_path}: permission denied. Check the "
                                 f"owner and mode of {tmp_path}.")


def test_the_file_is_utf_8_whatever_the_locale(tmp_path):
    """A config with an accent in a comment, saved by a kernel started with LANG=C."""
    import subprocess
    import sys

    target = tmp_path / "config"
    code = ("import sys; from pathlib import Path; from ssomagic.engine.files.atomic import "
            "atomic_write; atomic_write(Path(sys.argv[1]), '# caf\\u00e9\\n')")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
           "PYTHONCOERCECLOCALE": "0"}
    done = subprocess.run([sys.executable, "-c", code, str(target)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == "# café\n".encode()


def test_a_leftover_that_vanishes_while_being_looked_at_is_no_error(tmp_path):
    target = tmp_path / "token.json"
    (tmp_path / ".token.json.gone.tmp").symlink_to(tmp_path / "removed-meanwhile")
    atomic_write(target, "{}")
    assert target.read_text() == "{}"


def test_a_leftover_exactly_its_age_is_removed(tmp_path, monkeypatch):
    from ssomagic.engine.files import atomic

    now = 2_000_000_000
    leftover = tmp_path / ".token.json.k3j2h1.tmp"
    leftover.write_text("{}")
    os.utime(leftover, (now - LEFTOVER_AGE, now - LEFTOVER_AGE))
    monkeypatch.setattr(atomic.time, "time", lambda: float(now))
    assert atomic.remove_leftovers(tmp_path / "token.json") == 1
