"""Writing ~/.aws/config: comments and layout kept, atomic, private, never over a broken file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from botocore.session import Session as BotocoreSession
from helpers import CONFIG, START_URL

from ssomagic.engine.config.read import load_config
from ssomagic.engine.config.write import set_profile, set_sso_session
from ssomagic.engine.errors import ConfigParseError


def test_updating_a_profile_keeps_every_other_byte(config_file, runtime):
    set_profile("prod", {"region": "eu-central-1"}, runtime)
    expected = CONFIG.replace("sso_role_name = ReadOnlyAccess\nregion = us-east-1",
                              "sso_role_name = ReadOnlyAccess\nregion = eu-central-1")
    assert config_file.read_text() == expected


def test_adding_a_profile_appends_it_and_keeps_the_rest(config_file, runtime):
    set_profile("sandbox", {"sso_session": "my-sso", "sso_account_id": "777788889999",
                            "sso_role_name": "DataScientist", "region": "us-west-2"}, runtime)
    text = config_file.read_text()
    assert text.startswith(CONFIG)
    assert text[len(CONFIG):] == ("[profile sandbox]\nsso_session = my-sso\n"
                                  "sso_account_id = 777788889999\nsso_role_name = DataScientist\n"
                                  "region = us-west-2\n")
    assert load_config(runtime).profile("sandbox").has_role


def test_a_key_set_to_none_is_removed(config_file, runtime):
    set_profile("dev", {"region": None}, runtime)
    assert "region" not in load_config(runtime).profiles["dev"]
    assert config_file.read_text().startswith("# Team AWS config: keep these comments.\n")


def test_a_new_file_is_private_and_written_like_aws_configure_sso(home, runtime):
    set_sso_session("corp", {"sso_start_url": START_URL, "sso_region": "eu-west-1",
                             "sso_registration_scopes": "sso:account:access"}, runtime)
    set_profile("DataScientist-111122223333", {"sso_session": "corp",
                                               "sso_account_id": "111122223333",
                                               "sso_role_name": "DataScientist"}, runtime)
    path = home / ".aws" / "config"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == (
        "[sso-session corp]\n"
        f"sso_start_url = {START_URL}\nsso_region = eu-west-1\n"
        "sso_registration_scopes = sso:account:access\n"
        "[profile DataScientist-111122223333]\nsso_session = corp\n"
        "sso_account_id = 111122223333\nsso_role_name = DataScientist\n")


def test_an_existing_files_mode_is_kept(config_file, runtime):
    os.chmod(config_file, 0o640)
    set_profile("dev", {"output": "json"}, runtime)
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o640


def test_the_write_is_atomic_and_leaves_no_temporary_file(config_file, runtime):
    inode = config_file.stat().st_ino
    set_profile("dev", {"output": "json"}, runtime)
    assert config_file.stat().st_ino != inode  # replaced, not rewritten in place
    assert [p.name for p in config_file.parent.iterdir() if p.is_file()] == ["config"]


def test_the_new_content_is_on_disk_before_it_replaces_the_old(config_file, runtime,
                                                                monkeypatch):
    """As botocore's JSONFileCache: fsync, then os.replace. Without the fsync, a power cut
    right after the replace can leave an empty config where a whole one was."""
    happened: list[tuple[str, str]] = []
    fsync, replace = os.fsync, os.replace

    def synced(fd: int) -> None:
        happened.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        fsync(fd)

    def replaced(src, dst) -> None:
        happened.append(("replace", str(src)))
        replace(src, dst)

    monkeypatch.setattr(os, "fsync", synced)
    monkeypatch.setattr(os, "replace", replaced)
    set_profile("dev", {"output": "json"}, runtime)
    written = [path for what, path in happened if what == "replace"]
    assert written and all(("fsync", path) in happened[:happened.index(("replace", path))]
                           for path in written), happened


def test_a_malformed_file_is_never_rewritten(home, runtime):
    path = home / ".aws" / "config"
    path.parent.mkdir()
    broken = "[profile a]\nregion = x\n  [oops\nnot a key\n"
    path.write_text(broken)
    with pytest.raises(ConfigParseError) as caught:
        set_profile("a", {"region": "y"}, runtime)
    assert caught.value.line == 4
    assert path.read_text() == broken


def test_botocore_reads_what_was_written(home, runtime):
    set_sso_session("corp", {"sso_start_url": START_URL, "sso_region": "eu-west-1"}, runtime)
    set_profile("p", {"sso_session": "corp", "sso_account_id": "1", "sso_role_name": "R"},
                runtime)
    config = BotocoreSession().full_config
    assert config["profiles"]["p"]["sso_session"] == "corp"
    assert config["sso_sessions"]["corp"]["sso_region"] == "eu-west-1"


def test_two_processes_editing_at_once_lose_no_edit(config_file, runtime):
    # Each process adds its own profiles one edit at a time; without a lock around
    # read-modify-write, one writer's os.replace would drop the other's fresh profile.
    script = (
        "import sys\n"
        "from ssomagic.engine.config.write import set_profile\n"
        "for i in range(25):\n"
        "    set_profile(f'{sys.argv[1]}-{i}', {'region': 'eu-west-1'})\n"
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, side], stderr=subprocess.PIPE,
                                text=True) for side in ("left", "right")]
    for writer in writers:
        assert writer.wait(60) == 0, writer.stderr.read()
    names = set(load_config(runtime).profiles)
    assert {f"{side}-{i}" for side in ("left", "right") for i in range(25)} <= names
    assert config_file.read_text().startswith(CONFIG)


def test_a_preview_never_waits_for_another_writers_lock(config_file, runtime):
    """The wizard previews on the kernel's thread at every tick: a preview writes nothing, so
    another process's edit must not hold it (and the kernel) up."""
    import threading

    from ssomagic.engine.config.write import _edit_lock, edit

    other = _edit_lock(runtime)
    other.acquire()
    try:
        previews: list[object] = []
        preview = threading.Thread(target=lambda: previews.append(edit(
            runtime, lambda updater: "[profile new]\nregion = eu-west-1\n", dry_run=True)),
            daemon=True)
        preview.start()
        preview.join(2)
        assert previews and "+[profile new]" in previews[0].diff()
    finally:
        other.release()
