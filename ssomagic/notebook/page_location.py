"""Where the notebook page is served from, as the page itself says: the front end's half of
choosing the sign-in flow (engine/signin/flow_choice.py). A loopback host and a local kernel
mean the browser can reach a listener on the kernel's 127.0.0.1, so one click (PKCE) works.

The page can only answer between cells (a kernel busy with `%sso login` reads no widget
messages), so the question is asked by the first `%sso` command in a kernel; the answer is
there for the login that follows. No front end (a headless run): no answer, device code.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_probe: Any = None


def ask() -> None:
    """Open the probe's model once per kernel (its module answers as soon as it loads)."""
    global _probe
    with _lock:
        if _probe is not None:
            return
        from .widgets.page_location import PageLocation

        _probe = PageLocation()


def page_host() -> str | None:
    with _lock:
        host = getattr(_probe, "host", "") if _probe is not None else ""
    return host or None
