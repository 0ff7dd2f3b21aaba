"""Writes the shipped notebooks with ssomagic's own generator (`ssomagic onboarding` makes the
same for a team's start URL), clean: no outputs, no widget state, stable cell ids.

    python notebooks/build.py          # rewrite them
    python notebooks/build.py --check  # exit 1 if a committed notebook differs from its source
"""

from __future__ import annotations

import sys
from pathlib import Path

from ssomagic.onboarding import NOTEBOOKS, text

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    stale = []
    for name, build in NOTEBOOKS.items():
        path, wanted = HERE / name, text(build())
        if "--check" in argv:
            if not path.exists() or path.read_text() != wanted:
                stale.append(name)
        else:
            path.write_text(wanted)
    if stale:
        print(f"out of date: {', '.join(stale)}; run python notebooks/build.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
