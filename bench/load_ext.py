"""`%load_ext ssomagic` on top of a bare IPython start.

Both are timed in fresh processes, alternating, in this run; the ratio is what counts.
Goal: at most 10 % more time, and boto3/botocore not imported.

    python bench/load_ext.py [--runs 15]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from common import isolate, median_ms

BARE = "from IPython.core.interactiveshell import InteractiveShell\nInteractiveShell.instance()"
LOADED = BARE.replace("InteractiveShell.instance()", "ip = InteractiveShell.instance()") + (
    "\nip.run_line_magic('load_ext', 'ssomagic')\nimport sys\n"
    "assert not [m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')]")


def timed(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    isolate()
    timed(BARE), timed(LOADED)  # warm the file cache
    bare, loaded = [], []
    for _ in range(args.runs):
        bare.append(timed(BARE))
        loaded.append(timed(LOADED))
    ratio = median_ms(loaded) / median_ms(bare)
    print(f"bare IPython start:        {median_ms(bare):7.1f} ms (median of {args.runs})")
    print(f"with %load_ext ssomagic:   {median_ms(loaded):7.1f} ms; boto3/botocore not imported")
    print(f"ratio: {ratio:.3f} (+{(ratio - 1) * 100:.1f} %; goal: at most +10 %)")
    return 0 if ratio <= 1.10 else 1


if __name__ == "__main__":
    sys.exit(main())
