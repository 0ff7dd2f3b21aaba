"""The demo launcher: starts from an empty home, opens the onboarding notebook, and stops
JupyterLab on SIGTERM as on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request


def test_sigterm_stops_jupyterlab_and_the_url_opens_the_onboarding_notebook(tmp_path):
    home = tmp_path / "demo-home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("[sso-session stale]\n")  # a previous run's
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    launcher = subprocess.Popen([sys.executable, "-m", "ssomagic.demo", "--home", str(home)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)
    try:
        url = ""
        deadline = time.monotonic() + 90
        while not url.startswith("JupyterLab:") and time.monotonic() < deadline:
            url = launcher.stdout.readline().strip() if launcher.stdout else ""
        assert "/lab/tree/onboarding.ipynb?token=" in url
        assert not (home / ".aws").exists()  # the demo starts from nothing
        status = url.split(" ", 1)[1].split("/lab/")[0] + "/api/status"
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=30) == 0
        time.sleep(0.5)
        try:
            urllib.request.urlopen(status, timeout=2)
            stopped = False
        except urllib.error.HTTPError:  # it answered, if only to refuse
            stopped = False
        except OSError:
            stopped = True
        assert stopped, "JupyterLab still answers after SIGTERM to the launcher"
    finally:
        if launcher.poll() is None:
            launcher.kill()
