"""The portal's quota found and kept to (engine/aws/rate_limit.py), on a clock of plain
seconds: no limit until the service throttles, then a little below what it accepted, back to
it within RECOVER seconds, probing past it after, and forgotten once idle."""

from __future__ import annotations

import pytest

from ssomagic.engine.aws.rate_limit import (
    BACKOFF,
    FLOOR,
    FORGET_AFTER,
    MIN_SAMPLE,
    PROBE,
    RECOVER,
    AdaptiveRate,
    for_session,
)

T = 1_000.0


def throttled_after(accepted: int, at: float = T) -> AdaptiveRate:
    limiter = AdaptiveRate()
    for n in range(accepted):
        limiter.accepted(at - 0.5 + n * 0.5 / max(accepted, 1))
    limiter.refused(at)
    return limiter


def test_until_the_service_throttles_nothing_is_limited():
    limiter = AdaptiveRate()
    assert limiter.rate is None and [limiter.reserve(T) for _ in range(100)] == [0.0] * 100
    assert repr(limiter) == "AdaptiveRate(quota none found, throttled=0)"


def test_a_throttle_of_a_busy_client_measures_the_quota_from_what_was_accepted():
    limiter = AdaptiveRate()
    for n in range(20):
        limiter.accepted(T - 0.95 + n * 0.05)
    assert limiter.refused(T)
    assert limiter.quota == 20
    assert limiter.rate == pytest.approx(20 * BACKOFF)
    assert repr(limiter) == "AdaptiveRate(quota 20.0/s, throttled=1)"


def test_a_throttle_of_a_quiet_client_sets_no_limit():
    limiter = throttled_after(MIN_SAMPLE - 1)
    assert limiter.quota is None and limiter.throttled == 1
    assert throttled_after(MIN_SAMPLE).quota == MIN_SAMPLE


def test_calls_accepted_more_than_a_second_ago_do_not_count():
    limiter = AdaptiveRate()
    for n in range(10):
        limiter.accepted(T - 5 + n * 0.1)  # long before the throttle
    assert not limiter.refused(T) and limiter.quota is None


def test_a_limit_never_goes_below_the_floor():
    limiter = AdaptiveRate()
    limiter.quota = 0.1  # measured before: now the next throttle measures again
    limiter.refused(T)
    assert limiter.quota == FLOOR


def test_the_limit_climbs_back_to_the_quota_within_recover_then_probes_past_it():
    limiter = throttled_after(10)
    rate_at = lambda t: limiter._rate(T + t)  # noqa: E731  the rate t seconds on
    assert rate_at(0) == pytest.approx(10 * BACKOFF)
    assert rate_at(RECOVER / 2) == pytest.approx(10 * (BACKOFF + (1 - BACKOFF) / 2))
    assert rate_at(RECOVER) == pytest.approx(10)
    assert rate_at(RECOVER + 5) == pytest.approx(10 * (1 + PROBE * 25))


def test_slots_are_spaced_evenly_at_the_rate():
    limiter = throttled_after(10)
    waits = [limiter.reserve(T) for _ in range(4)]
    spacing = 1 / (10 * BACKOFF)
    assert waits == pytest.approx([0, spacing, 2 * spacing, 3 * spacing])


def test_a_limit_is_dropped_a_minute_after_its_throttle():
    limiter = throttled_after(10)
    limiter.reserve(T + FORGET_AFTER - 1)  # in use all along
    assert limiter._rate(T + FORGET_AFTER - 0.5) is not None
    assert limiter._rate(T + FORGET_AFTER) is None and limiter.quota is None


def test_a_new_throttle_renews_the_limit_for_another_minute():
    limiter = throttled_after(10)
    for n in range(10):
        limiter.accepted(T + 40 + n * 0.05)
    limiter.refused(T + 41)
    assert limiter._rate(T + 41 + FORGET_AFTER - 1) is not None


def test_a_clock_set_back_drops_the_limit():
    limiter = throttled_after(10)
    assert limiter._rate(T - 1) is None and limiter.quota is None


def test_each_refusal_is_counted():
    limiter = throttled_after(10)
    limiter.refused(T + 0.1)
    assert limiter.throttled == 2


def test_one_limiter_per_session_and_region_in_a_process():
    assert for_session("us-east-1", "abc") is for_session("us-east-1", "abc")
    assert for_session("us-east-1", "abc") is not for_session("eu-west-1", "abc")
    assert for_session("us-east-1", "abc") is not for_session("us-east-1", "def")
