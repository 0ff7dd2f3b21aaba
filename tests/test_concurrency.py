"""Several kernels at once, and kernels killed mid-write: every process succeeds, one refresh
and one device authorization serve them all, and no file is ever seen half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

from helpers import Approver, live_runtime

from ssomagic import api
from ssomagic.engine.config.read import load_config
from ssomagic.engine.files.token_cache import TokenCache

KERNELS = 8


def start(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=os.environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_eight_kernels_on_an_expiring_sign_in_make_one_refresh_and_all_succeed(
        config_file, home, live_emulator):
    live_emulator.state.update_settings(token_lifetime=300)  # inside botocore's mandatory window
    runtime = live_runtime(home)
    with Approver(live_emulator):
        api.login("dev", runtime=runtime, listener=lambda e: None)
    live_emulator.state.update_settings(token_lifetime=8 * 3600)  # a renewed token lasts
    session = load_config(runtime).profile("dev").sso
    path = TokenCache(runtime).token_path(session)
    torn, stop = [], threading.Event()

    def reader() -> None:  # the AWS CLI or terraform reading meanwhile
        while not stop.is_set():
            try:
                json.loads(path.read_text())
            except ValueError:
                torn.append(1)
            except FileNotFoundError:
                torn.append(1)

    watcher = threading.Thread(target=reader, daemon=True)
    watcher.start()
    code = """
        import boto3, ssomagic
        ssomagic.use("dev")
        print(boto3.client("sts").get_caller_identity()["Account"])
    """
    kernels = [start(code) for _ in range(KERNELS)]
    outputs = [k.communicate(timeout=120) for k in kernels]
    stop.set()
    watcher.join()
    assert [k.returncode for k in kernels] == [0] * KERNELS, [e for _, e in outputs]
    assert all(out.strip() == "111122223333" for out, _ in outputs)
    refreshes = [r for r in live_emulator.state.requests("CreateToken") if r["status"] == 200]
    assert len(refreshes) == 2  # the sign-in, then one refresh for all eight
    assert len(live_emulator.state.requests("StartDeviceAuthorization")) == 1
    assert torn == []


def test_a_kernel_killed_mid_write_leaves_the_old_file_or_the_new_one(config_file, home):
    """SIGKILL at random moments of config edits: the file is always a whole version, and the
    temp files killed writes leave are gone after the next write."""
    writer = """
        from ssomagic.engine.config.write import set_profile
        i = 0
        while True:
            i += 1
            set_profile("churn", {"sso_session": "my-sso", "sso_account_id": "111122223333",
                                  "sso_role_name": "DataScientist", "region": "eu-west-1",
                                  "note": "x" * (i % 5000)})
    """
    original = config_file.read_text()
    for round_ in range(12):
        process = start(writer)
        deadline = time.monotonic() + 30
        while "[profile churn]" not in config_file.read_text():  # writing, from now on
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.01)
        time.sleep((round_ % 4) * 0.013)
        process.send_signal(signal.SIGKILL)
        process.wait()
        text = config_file.read_text()
        assert text.startswith(original)  # every section written by hand, whole
        assert text.count("[profile churn]") == 1
        assert text.rstrip().split("\n")[-1].startswith("note = x")  # the last line is whole
    from ssomagic.engine.config.write import set_profile

    for leftover in config_file.parent.glob(".config.*.tmp"):  # as if left an hour ago
        os.utime(leftover, (time.time() - 3600, time.time() - 3600))
    set_profile("after", {"region": "eu-west-1"}, live_runtime(home))  # the next write
    assert [p.name for p in config_file.parent.glob(".config.*.tmp")] == []


def test_token_and_role_credential_writes_killed_leave_whole_files_and_no_secret_after_logout(
        config_file, home, live_emulator):
    """SIGKILL during token-cache and role-credential writes, many times: each file is the old
    or the new version, and logout leaves no temp file with a secret in it."""
    runtime = live_runtime(home)
    with Approver(live_emulator):
        api.login("dev", runtime=runtime, listener=lambda e: None)
    api.export_credentials("dev", runtime=runtime)
    session = load_config(runtime).profile("dev").sso
    token_path = TokenCache(runtime).token_path(session)
    cli_cache = home / ".aws" / "cli" / "cache"
    writer = f"""
        import json
        from pathlib import Path
        from ssomagic.engine.files.atomic import atomic_write
        token = Path({str(token_path)!r})
        creds = next(Path({str(cli_cache)!r}).glob("*.json"))
        document, role = json.loads(token.read_text()), json.loads(creds.read_text())
        i = 0
        while True:
            i += 1
            document["expiresAt"] = f"2026-11-27T{{i % 24:02d}}:00:00Z"
            atomic_write(token, json.dumps(document) + " " * (i % 3000))
            atomic_write(creds, json.dumps(role) + " " * (i % 3000))
    """
    for round_ in range(10):
        process = start(writer)
        time.sleep(0.4 + (round_ % 5) * 0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        json.loads(token_path.read_text())  # whole, old or new
        for path in cli_cache.glob("*.json"):
            json.loads(path.read_text())
    api.logout(runtime=runtime, all=True)
    secrets = live_emulator.state.issued_secrets()
    left = [p.name for p in (home / ".aws").rglob("*.tmp")
            if any(s in p.read_text(errors="replace") for s in secrets)]
    assert left == [] and not token_path.exists()
    # What stays is what `aws sso logout` keeps: the client registration, no token.
