"""Nobody in, every local state in one line: folders that are not yours are refused as ssh
refuses them, links are not followed, and a file where a folder belongs or an address the
emulator cannot use each get one line that names the path and the fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from helpers import Approver

from ssomagic.console.cli import main
from ssomagic.engine.config.read import load_config
from ssomagic.engine.files.token_cache import TokenCache


@pytest.fixture
def signed_in(config_file, home, live_emulator):
    with Approver(live_emulator):
        assert main(["login", "dev"]) == 0
    return home


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def portal_requests(emulator) -> int:
    return sum(1 for r in emulator.state.requests()
               if r["operation"] in ("ListAccounts", "ListAccountRoles", "GetRoleCredentials"))


def test_a_cache_folder_every_user_can_write_is_refused(signed_in, live_emulator, capsys):
    cache = signed_in / ".aws" / "sso" / "cache"
    cache.chmod(0o777)
    capsys.readouterr()
    before = portal_requests(live_emulator)
    assert main(["whoami", "dev"]) == 1
    line = one_line(capsys)
    assert f"{cache} is writable by every user (mode 0777)" in line
    assert f"chmod o-w {cache}" in line
    assert portal_requests(live_emulator) == before  # no token from there was sent


def test_a_cache_folder_above_the_cache_is_checked_too(signed_in, capsys):
    (signed_in / ".aws").chmod(0o777)
    capsys.readouterr()
    assert main(["status", "dev"]) == 1
    assert f"{signed_in / '.aws'} is writable by every user" in one_line(capsys)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_cache_folder_owned_by_another_user_is_refused(signed_in, capsys):
    cache = signed_in / ".aws" / "sso" / "cache"
    os.chown(cache, 12345, 12345)
    capsys.readouterr()
    assert main(["login", "dev"]) == 1
    line = one_line(capsys)
    assert f"{cache} belongs to another user (uid 12345)" in line
    assert "move" in line


def test_a_symlinked_token_is_not_followed(signed_in, live_emulator, tmp_path, capsys):
    session = load_config().profile("dev").sso
    token = TokenCache().token_path(session)
    planted = tmp_path / "planted.json"
    shutil.move(token, planted)
    token.symlink_to(planted)
    capsys.readouterr()
    before = portal_requests(live_emulator)
    assert main(["whoami", "dev"]) == 1
    line = one_line(capsys)
    assert f"{token} is a symbolic link" in line and "Remove the link" in line
    assert portal_requests(live_emulator) == before


def test_a_symlinked_lock_is_not_followed(config_file, home, tmp_path, capsys):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    own = home / ".aws" / "sso" / "ssomagic"
    own.mkdir(parents=True, mode=0o700)
    session = load_config().profile("dev").sso
    (own / f"session-{session.cache_key}.lock").symlink_to(target)
    assert main(["login", "dev"]) == 1
    assert "is a symbolic link; ssomagic does not follow links for locks" in one_line(capsys)
    assert target.read_text() == "keep me"


def test_the_sso_folder_as_a_file_is_one_line(config_file, home, capsys):
    (home / ".aws" / "sso").write_text("oops")
    assert main(["login", "dev"]) == 1
    line = one_line(capsys)
    assert f"{home / '.aws' / 'sso'} is a file" in line and "Move" in line


def test_the_cli_cache_folder_as_a_file_is_one_line(signed_in, capsys):
    (signed_in / ".aws" / "cli").mkdir(exist_ok=True)
    (signed_in / ".aws" / "cli" / "cache").write_text("oops")
    capsys.readouterr()
    assert main(["export-credentials", "--profile", "dev"]) == 1
    assert "is a file" in one_line(capsys)


def test_the_emulator_listens_on_ipv6_loopback(tmp_path):
    exe = shutil.which("ssomagic", path=os.path.dirname(sys.executable)) or "ssomagic"
    process = subprocess.Popen([exe, "emulator", "--host", "::1"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    if first:
        assert first.startswith("IAM Identity Center emulator on http://[::1]:")
    else:  # a machine without IPv6 still gets one line, never a traceback
        assert err.startswith("ssomagic: the emulator cannot listen on ::1")
        assert "Traceback" not in err


def test_an_address_the_emulator_cannot_use_is_one_line(capsys):
    assert main(["emulator", "--host", "192.0.2.1"]) == 1
    assert "cannot listen on 192.0.2.1" in one_line(capsys)


def test_the_listing_in_an_untrusted_folder_is_neither_read_nor_written(signed_in, capsys):
    own = signed_in / ".aws" / "sso" / "ssomagic"
    own.mkdir(parents=True, exist_ok=True)
    own.chmod(0o777)
    assert main(["accounts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)
    assert not list(own.glob("listing-*.json"))
