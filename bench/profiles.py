"""Listing the profiles of a 2,000-profile config.

Baseline: botocore's own `Session().available_profiles`, which every boto3 user pays for, on the
same file in the same run. Both parse the file cold each time (its mtime moves between runs).
Goal: no slower than botocore, although ssomagic also resolves every profile's sso-session.

    python bench/profiles.py [--profiles 2000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from common import isolate

GOAL = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    home = isolate()
    config = home / ".aws" / "config"
    config.parent.mkdir(parents=True)
    sections = ["[sso-session big]", "sso_start_url = https://d-1234567890.awsapps.com/start",
                "sso_region = us-east-1"]
    for i in range(args.profiles):
        sections += [f"[profile p{i:04d}]", "sso_session = big",
                     f"sso_account_id = {100000000000 + i}", "sso_role_name = ReadOnlyAccess",
                     "region = eu-west-1"]
    config.write_text("\n".join(sections) + "\n")

    import botocore.session

    import ssomagic

    def touch() -> None:
        stamp = time.time() + len(ours) + len(theirs)
        os.utime(config, (stamp, stamp))

    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(args.rounds):
        touch()
        started = time.perf_counter()
        found = ssomagic.profiles()
        ours.append(time.perf_counter() - started)
        touch()
        started = time.perf_counter()
        names = botocore.session.Session().available_profiles
        theirs.append(time.perf_counter() - started)
    ours_ms, theirs_ms = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
    ratio = ours_ms / theirs_ms
    same = sorted(p.name for p in found) == sorted(n for n in names if n != "default")
    print(f"{args.profiles} profiles, median of {args.rounds} cold reads")
    print(f"  ssomagic.profiles() (resolved, validated): {ours_ms:7.1f} ms")
    print(f"  botocore Session().available_profiles:    {theirs_ms:7.1f} ms")
    print(f"  ratio: {ratio:.2f} (goal: at most {GOAL:.1f}); same profiles: {same}")
    return 0 if ratio <= GOAL and same else 1


if __name__ == "__main__":
    sys.exit(main())
