"""The demo: an emulated IAM Identity Center and JupyterLab with the onboarding notebook, in an
isolated demo home, so a fresh machine with no AWS account can try ssomagic end to end.

    python -m ssomagic.demo [--home DIR] [--port N] [--no-lab] [--check]

Nothing outside the demo home is read or written: HOME, AWS_CONFIG_FILE, Jupyter's and
IPython's directories all point into it, and no AWS_* variable is inherited.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .emulator import Emulator

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"  # package data


def prepare_home(home: Path) -> dict[str, str]:
    """Empty the demo home's ~/.aws, copy the notebooks in, and return the demo environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(home / ".local" / "share" / "jupyter" / "runtime"),
        "IPYTHONDIR": str(home / ".ipython"),
    })
    # The demo starts from nothing, as a newcomer does: no config, no sign-in. A fresh emulator
    # knows no earlier sign-in, so one kept from a previous run would only be refused.
    shutil.rmtree(home / ".aws", ignore_errors=True)
    work = home / "notebooks"
    work.mkdir(parents=True, exist_ok=True)
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        if not (work / notebook.name).exists():
            copy_for_this_kernel(notebook, work / notebook.name)
    return env


def copy_for_this_kernel(source: Path, target: Path) -> None:
    """Copy a notebook with the language_info the demo's kernel will report. JupyterLab writes
    the kernel's language_info into a notebook as it connects and marks the tab modified when
    that changes it; the shipped copies hold only {"name": "python"} (the Python version is the
    reader's), so the demo stamps this interpreter's, and its onboarding tab opens unmodified."""
    import nbformat

    notebook = nbformat.read(source, as_version=4)
    info = kernel_language_info()
    if info is not None:
        notebook.metadata["language_info"] = info
    nbformat.write(notebook, target)


def kernel_language_info() -> dict[str, object] | None:
    """What ipykernel on this interpreter says about its language, or None without it."""
    try:
        from ipykernel.ipkernel import IPythonKernel
    except ImportError:
        return None
    return dict(IPythonKernel.language_info)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"JupyterLab exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"JupyterLab did not answer at {url} within {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ssomagic.demo", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--home", type=Path, default=Path.cwd() / ".demo-home",
                        help="the isolated demo home (default: ./.demo-home)")
    parser.add_argument("--port", type=int, default=0, help="emulator port (default: free)")
    parser.add_argument("--lab-port", type=int, default=0, help="JupyterLab port")
    parser.add_argument("--no-lab", action="store_true",
                        help="only the emulator, for a terminal session")
    parser.add_argument("--check", action="store_true",
                        help="start everything, check that it answers, then stop")
    args = parser.parse_args(argv)

    home = args.home.resolve()
    # SIGTERM (a process manager, `kill`) stops the demo as Ctrl-C does: JupyterLab and its
    # kernels are shut down in the finally below instead of being left running.
    signal.signal(signal.SIGTERM, _interrupt)
    env = prepare_home(home)
    with Emulator(port=args.port) as emulator:
        env.update(emulator.endpoint_env())
        print(f"IAM Identity Center emulator: {emulator.url} (approve sign-ins at "
              f"{emulator.url}/device)")
        print(f"Demo home: {home}")
        if args.no_lab:
            print("In another shell:")
            for key in ("HOME", "AWS_CONFIG_FILE", *emulator.endpoint_env()):
                print(f"  export {key}={env[key]}")
            return _wait_forever()
        token = secrets.token_hex(16)
        port = args.lab_port or _free_port()
        settings = home / ".jupyter" / "lab" / "user-settings"
        notification = settings / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True, exist_ok=True)
        (notification / "notification.jupyterlab-settings").write_text(
            '{"fetchNews": "false", "checkForUpdates": false}')
        command = [sys.executable, "-m", "jupyter", "lab", f"--port={port}", "--ip=127.0.0.1",
                   f"--IdentityProvider.token={token}",
                   f"--ServerApp.root_dir={home / 'notebooks'}",
                   "--LabApp.news_url=None",
                   # Warnings only: the link below must not drown in the server's log.
                   "--ServerApp.log_level=WARN",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   f"--LabApp.user_settings_dir={settings}",
                   f"--LabApp.workspaces_dir={home / '.jupyter' / 'lab' / 'workspaces'}"]
        if args.check or not os.environ.get("DISPLAY"):
            command.append("--no-browser")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        url = f"http://127.0.0.1:{port}/lab/tree/onboarding.ipynb?token={token}"
        lab = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL if args.check
                               else None)
        try:
            _wait_for(f"http://127.0.0.1:{port}/api/status?token={token}", lab)
            rule = "=" * 72
            print(f"\n{rule}\nThe demo is up. Open the onboarding notebook:\n\n"
                  f"JupyterLab: {url}\n\nIts home (no real ~/.aws): {home}\n"
                  f"Stop it with Ctrl-C.\n{rule}\n", flush=True)
            if args.check:
                return 0
            return lab.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            if lab.poll() is None:
                lab.terminate()
                try:
                    lab.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    lab.kill()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait_forever() -> int:
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
