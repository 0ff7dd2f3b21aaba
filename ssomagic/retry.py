"""Retrying what a busy or flaky service says to retry: throttling, 5xx, dropped connections.

Full-jitter exponential back-off (as the AWS SDKs do), with the sleep injected so tests run
at once and a cancelled login stops between attempts.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

THROTTLING_CODES = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling",
                              "RequestLimitExceeded", "SlowDown"})


def error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def is_transient(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotocoreConnectionError

    # Refused, reset or timed-out connections: botocore's own retry handlers retry these too.
    if isinstance(exc, (HTTPClientError, BotocoreConnectionError)):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or status == 429 or error_code(exc) in THROTTLING_CODES
    return False


def with_retries(call: Callable[[], T], *, sleep: Callable[[float], object],
                 attempts: int = 8, base: float = 0.05, cap: float = 2.0,
                 jitter: Callable[[], float] = random.random) -> T:
    """Call, retrying transient failures up to ``attempts`` times in all; then re-raise."""
    for attempt in range(attempts):
        try:
            return call()
        except Exception as exc:
            if attempt == attempts - 1 or not is_transient(exc):
                raise
            sleep(jitter() * min(cap, base * 2 ** attempt))
    raise AssertionError("unreachable")
