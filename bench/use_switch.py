"""`%sso use` between two signed-in profiles whose role credentials are cached.

Goal: no network request and under 5 ms a switch. Baseline, measured in the same run: what a
notebook does without ssomagic, a fresh `boto3.Session(profile_name=...)` and its credentials
(botocore keeps SSO role credentials in memory only, so every new session asks the portal).

    python bench/use_switch.py [--switches 200]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

from common import approve_all, demo_home, median_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switches", type=int, default=200)
    args = parser.parse_args()
    demo_home()
    import os

    import boto3
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from ssomagic.emulator import Emulator

    with Emulator() as emulator:
        os.environ.update(emulator.endpoint_env())
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "ssomagic")
        stop = threading.Event()
        approve_all(emulator, stop)
        with capture_output():
            shell.run_line_magic("sso", "login dev")
            shell.run_line_magic("sso", "whoami prod")  # caches prod's role credentials
            shell.run_line_magic("sso", "use prod")
            shell.run_line_magic("sso", "use dev")
        stop.set()

        before = len(emulator.state.requests())
        ours = []
        with capture_output():
            for i in range(args.switches):
                started = time.perf_counter()
                shell.run_line_magic("sso", f"use {'prod' if i % 2 == 0 else 'dev'}")
                ours.append(time.perf_counter() - started)
        requests = len(emulator.state.requests()) - before
        assert boto3.client("sts").get_caller_identity()["Account"] == "111122223333"

        baseline = []
        for i in range(min(args.switches, 50)):
            started = time.perf_counter()
            boto3.Session(profile_name="prod" if i % 2 == 0 else "dev").get_credentials(
            ).get_frozen_credentials()
            baseline.append(time.perf_counter() - started)

    ratio = median_ms(baseline) / median_ms(ours)
    print(f"%sso use, cached role credentials: {median_ms(ours):6.2f} ms median "
          f"({args.switches} switches, {requests} network requests)")
    print(f"baseline, new boto3 Session + credentials: {median_ms(baseline):6.2f} ms median")
    print(f"ratio: {ratio:.1f}x faster (goal: under 5 ms, no network request)")
    return 0 if median_ms(ours) < 5 and requests == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
