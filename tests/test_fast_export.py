"""`credential_process = ssomagic export-credentials`: answered from the role-credential cache
without loading boto3 or botocore, byte for byte what the full path prints, and by the full
path whenever the cache cannot answer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

from helpers import Approver, run_python


def exe() -> str:
    return shutil.which("ssomagic", path=os.path.dirname(sys.executable)) or "ssomagic"


def ssomagic(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([exe(), *args], capture_output=True, text=True, timeout=60,
                          check=False)


def test_cached_credentials_export_without_loading_botocore(config_file, live_emulator):
    with Approver(live_emulator):
        assert ssomagic("login", "dev").returncode == 0
    full = ssomagic("export-credentials", "--profile", "dev")  # fetches and caches
    assert full.returncode == 0, full.stderr
    result = run_python("""
        import sys
        from ssomagic.console.launcher import main
        code = main(["export-credentials", "--profile", "dev"])
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore"))
        print("LOADED", loaded, code, file=sys.stderr)
    """)
    assert "LOADED [] 0" in result.stderr, result.stderr
    assert result.stdout == full.stdout  # the same document, byte for byte


def test_every_format_is_the_full_paths(config_file, live_emulator):
    from ssomagic.engine.access.export_formats import FORMATS

    with Approver(live_emulator):
        assert ssomagic("login", "dev").returncode == 0
    ssomagic("export-credentials", "--profile", "dev")
    for fmt in FORMATS:
        fast = ssomagic("export-credentials", "--profile", "dev", "--format", fmt)
        full = run_python(f"""
            from ssomagic.console.cli import main
            main(["export-credentials", "--profile", "dev", "--format", "{fmt}"])
        """)
        assert fast.returncode == 0 and fast.stdout == full.stdout, fmt


def test_without_cached_credentials_the_full_path_fetches_them(config_file, live_emulator):
    with Approver(live_emulator):
        assert ssomagic("login", "dev").returncode == 0
    before = len(live_emulator.state.requests("GetRoleCredentials"))
    result = ssomagic("export-credentials", "--profile", "dev")
    assert result.returncode == 0 and '"AccessKeyId": "ASIA' in result.stdout
    assert len(live_emulator.state.requests("GetRoleCredentials")) == before + 1


def test_fifty_callers_at_once_share_one_fetch(config_file, live_emulator):
    with Approver(live_emulator):
        assert ssomagic("login", "dev").returncode == 0
    ssomagic("export-credentials", "--profile", "dev")
    fetched = len(live_emulator.state.requests("GetRoleCredentials"))
    outputs: list[str] = []

    def call() -> None:
        outputs.append(ssomagic("export-credentials", "--profile", "dev").stdout)

    callers = [threading.Thread(target=call) for _ in range(50)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(120)
    assert len(outputs) == 50 and len(set(outputs)) == 1  # whole, and the same
    assert len(live_emulator.state.requests("GetRoleCredentials")) == fetched
