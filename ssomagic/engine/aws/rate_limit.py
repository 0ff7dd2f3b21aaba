"""Finding the access portal's quota and staying under it, as botocore's adaptive retry mode
does for one client: a token bucket on our side that shrinks when the service throttles and
probes upward while it does not.

IAM Identity Center throttles the portal collectively (20 calls a second by default). Sixteen
listing workers that only back off after a 429 keep its bucket empty: most calls are refused
and a large org's listing fails. Instead every portal call takes a slot here first. Until the
service throttles there is no limit, so a small org lists at full speed. When it throttles a
client that was sending at least MIN_SAMPLE calls in the last second, what it accepted over
that second is its quota (or our share of it); the limit drops a little below that, climbs
back to it within RECOVER seconds, then probes past it, slowly at first and faster the longer
nothing is refused (as CUBIC does), so a raised quota or a neighbour who stopped is found.
The slots are spaced evenly: no burst of ours empties the service's bucket. A throttle that
hits a client sending less says little about the quota; the call just backs off and retries.

One limiter per sso-session and process (``for_session``): the picker, `%sso accounts` and a
populate running at once share the quota, as they share it at the service. A limit that no
throttle has renewed for FORGET_AFTER seconds is dropped: the service's bucket has long
refilled by then, and a limit still in force is renewed by the next throttle it finds.
"""

from __future__ import annotations

import threading
from collections import deque

WINDOW = 1.0  # seconds of accepted calls that measure the quota at a throttle
MIN_SAMPLE = 3  # accepted calls in the window below which a throttle sets no limit
FLOOR = 1.0  # calls a second: a limit never goes below this
BACKOFF = 0.9  # share of the measured quota to run at right after a throttle
RECOVER = 2.0  # seconds to climb back to the measured quota
PROBE = 0.02  # then: quota x (1 + PROBE x t^2), t the seconds since recovering
FORGET_AFTER = 60.0


class AdaptiveRate:
    """Thread-safe. Times are the caller's clock in seconds (the Runtime's, so tests run on an
    injected clock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.quota: float | None = None  # calls a second the service accepted at its last 429
        self._refused_at = 0.0
        self._next = 0.0
        self._used_at = 0.0
        self._accepted: deque[float] = deque()
        self.throttled = 0

    def __repr__(self) -> str:
        quota = f"{self.quota:.1f}/s" if self.quota else "none found"
        return f"AdaptiveRate(quota {quota}, throttled={self.throttled})"

    @property
    def rate(self) -> float | None:
        """The calls a second allowed now; None while nothing limits them."""
        with self._lock:
            return self._rate(self._used_at)

    def _rate(self, now: float) -> float | None:
        if self.quota is None:
            return None
        t = now - self._refused_at
        if not 0 <= t < FORGET_AFTER:
            self.quota = None  # no throttle for a minute (or the clock went back): afresh
            return None
        if t < RECOVER:
            return self.quota * (BACKOFF + (1 - BACKOFF) * t / RECOVER)
        return self.quota * (1 + PROBE * (t - RECOVER) ** 2)

    def reserve(self, now: float) -> float:
        """Take the next slot; the seconds to wait before using it."""
        with self._lock:
            rate = self._rate(now)
            self._used_at = now
            if rate is None:
                return 0.0
            slot = max(now, self._next)
            self._next = slot + 1.0 / rate
            return slot - now

    def accepted(self, now: float) -> None:
        with self._lock:
            self._accepted.append(now)
            self._trim(now)

    def refused(self, now: float) -> bool:
        """The service throttled a call; True when that set a limit (the limiter now paces
        the retry), False when the caller should back off by itself."""
        with self._lock:
            self.throttled += 1
            self._trim(now)
            if len(self._accepted) < MIN_SAMPLE and self.quota is None:
                return False
            # What it accepted, not what we were allowed: refusals of calls already in flight
            # measure the same second again instead of compounding the back-off.
            self.quota = max(FLOOR, len(self._accepted) / WINDOW)
            self._refused_at = self._used_at = now
            return True

    def _trim(self, now: float) -> None:
        while self._accepted and self._accepted[0] < now - WINDOW:
            self._accepted.popleft()


_limiters: dict[tuple[str, str], AdaptiveRate] = {}
_limiters_lock = threading.Lock()


def for_session(region: str, session_key: str) -> AdaptiveRate:
    """The one limiter of this process for an sso-session's portal."""
    with _limiters_lock:
        return _limiters.setdefault((region, session_key), AdaptiveRate())
