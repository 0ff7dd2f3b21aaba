"""How populate grows with the org: 2,000, 8,000 and 50,000 accounts x 2 roles, no quota.

For each size, in a fresh HOME on a fresh sign-in: the portal listing alone, then populate
--dry-run and populate on that listing (the sign-in's listing file, as a second run finds it),
so the figures are what building and writing the change costs beyond the listing. Goal: a
populate (listing included) within 1.5x of the listing at every size, so the curve stays
linear where it once grew faster than the org (9.9 s / 97.5 s / not done in 600 s).

    python bench/populate_scale.py [--sizes 2000 8000 50000]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

from common import approve_all, isolate

GOAL = 1.5
START_URL = "https://d-1234567890.awsapps.com/start"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000, 50000])
    args = parser.parse_args()
    base = isolate()

    import ssomagic
    from ssomagic.emulator import Emulator, Org
    from ssomagic.engine.access.accounts import list_account_roles
    from ssomagic.engine.config.read import load_config
    from ssomagic.engine.runtime import Runtime

    met = True
    print("accounts x 2 roles | listing | populate --dry-run | populate (write) | "
          "populate / listing")
    for size in args.sizes:
        home = base / f"org-{size}"
        home.mkdir()
        os.environ.update({"HOME": str(home), "AWS_CONFIG_FILE": str(home / ".aws" / "config")})
        runtime = Runtime(home=Path(home))
        with Emulator(Org.generated(size, roles=2)) as emulator:
            os.environ.update(emulator.endpoint_env())
            stop = threading.Event()
            approve_all(emulator, stop)
            ssomagic.configure(START_URL, region="us-east-1", session="bench", runtime=runtime)
            ssomagic.login(sso_session="bench", runtime=runtime, listener=lambda e: None)
            session = load_config(runtime).session("bench")
            started = time.perf_counter()
            list_account_roles(session, runtime, progress=lambda p: None)
            listing = time.perf_counter() - started
            started = time.perf_counter()
            dry = ssomagic.populate("bench", dry_run=True, runtime=runtime)
            dry_s = time.perf_counter() - started
            started = time.perf_counter()
            report = ssomagic.populate("bench", runtime=runtime)
            write_s = time.perf_counter() - started
            stop.set()
        ratio = (listing + write_s) / listing
        met &= ratio <= GOAL and len(report.added) == len(dry.added) == size * 2
        print(f"{size:>18,} | {listing:6.1f} s | {dry_s:16.2f} s | {write_s:15.2f} s | "
              f"{ratio:.2f}x (goal: at most {GOAL}x)")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
