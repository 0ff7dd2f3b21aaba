"""The bounded cache of what a kernel keeps per sign-in (engine/files/lru.py): however long a
kernel lives, it keeps at most its bound, dropping what was used least recently."""

from __future__ import annotations

import threading

from ssomagic.engine.files.lru import Lru


def test_a_value_is_made_once_and_then_reused():
    cache: Lru[str, int] = Lru(2)
    made: list[str] = []
    assert cache.get_or_make("a", lambda: made.append("a") or 1) == 1
    assert cache.get_or_make("a", lambda: made.append("again") or 2) == 1
    assert made == ["a"] and len(cache) == 1


def test_beyond_its_bound_the_least_recently_used_is_dropped():
    cache: Lru[str, str] = Lru(2)
    cache.get_or_make("a", lambda: "A")
    cache.get_or_make("b", lambda: "B")
    cache.get_or_make("a", lambda: "not made")  # a is now the most recent
    cache.get_or_make("c", lambda: "C")
    assert len(cache) == 2
    assert cache.get_or_make("a", lambda: "made again") == "A"
    assert cache.get_or_make("b", lambda: "made again") == "made again"


def test_a_slow_make_does_not_hold_up_other_keys():
    cache: Lru[str, str] = Lru(4)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "slow"

    worker = threading.Thread(target=cache.get_or_make, args=("slow", slow))
    worker.start()
    started.wait(5)
    assert cache.get_or_make("quick", lambda: "quick") == "quick"  # not blocked by "slow"
    release.set()
    worker.join(5)
    assert cache.get_or_make("slow", lambda: "again") == "slow"
