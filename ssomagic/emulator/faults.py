"""The faults an emulator injects on purpose, per operation, and the service's throttle:
what a real network and a real IAM Identity Center do to a client now and then, on demand.

IdentityCenter.before() consults them for every request; the server turns the exceptions
into what a client meets (a proxy's page, an empty body, a dropped connection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Garbage(Exception):
    """Answer 200 with something that is not the API's body (a captive portal, a proxy)."""


class Hollow(Exception):
    """Answer 200 with an empty JSON object: valid JSON, none of what the API promises (a
    misconfigured gateway or mock in between)."""


class Misshapen(Exception):
    """Answer 200 with this JSON body: the API's fields, but not the values it promises (an
    account without an id, a list that is not one), as a gateway rewriting bodies returns."""

    def __init__(self, body: Any) -> None:
        super().__init__("misshapen")
        self.body = body


class Reset(Exception):
    """Drop the connection without an answer (a TCP reset, as a flaky proxy or NAT does)."""


@dataclass
class Fault:
    """Faults for one operation. Counts are used up one request at a time; rates are random."""

    latency: float = 0.0
    late: int | None = None  # answer only the next N requests `latency` late (None: every one)
    resets: int = 0  # reset the connection of the next N requests
    throttle: int = 0
    throttle_rate: float = 0.0
    errors: int = 0
    slow_down: int = 0
    garbage: int = 0  # answer 200 with a proxy's HTML page instead of the API's body
    hollow: int = 0  # answer 200 with {}: JSON, but none of the fields the API promises
    # answer 200 with each of these bodies in turn: the fields, but not the values promised
    misshapen: list[Any] = field(default_factory=list)


class TokenBucket:
    """The service's throttle: ``rate`` tokens a second, at most ``burst`` saved up; a call
    takes one or is refused. Refused calls take none, so a client that backs off recovers."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst or max(1, round(rate)))
        self.tokens = self.burst
        self.at = now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False
