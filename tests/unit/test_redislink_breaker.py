"""The breaker in front of Redis: skip calls after a failure, probe once per wait."""

from __future__ import annotations

from hotelreviews.redislink.breaker import Breaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_calls_go_through_until_one_fails() -> None:
    breaker = Breaker(clock=Clock())
    assert all(breaker.allow() for _ in range(3))
    assert not breaker.is_open and not breaker.succeeded()


def test_after_a_failure_one_probe_per_wait_goes_through() -> None:
    clock = Clock()
    breaker = Breaker(first_wait=0.1, max_wait=0.4, clock=clock)
    assert breaker.failed()  # it opened
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # the others keep waiting while it runs


def test_the_wait_doubles_with_each_failed_probe_up_to_the_cap() -> None:
    clock = Clock()
    breaker = Breaker(first_wait=1.0, max_wait=4.0, clock=clock)
    breaker.failed()
    waits = []
    for _ in range(4):
        step = 0.0
        while not breaker.allow():
            clock.now += 0.5
            step += 0.5
        waits.append(step)
        assert not breaker.failed()  # still open, not "just opened"
    assert waits == [1.0, 2.0, 4.0, 4.0]


def test_calls_in_flight_when_it_opened_do_not_lengthen_the_wait() -> None:
    clock = Clock()
    breaker = Breaker(first_wait=0.1, max_wait=2.0, clock=clock)
    breaker.failed()
    for _ in range(50):
        breaker.failed()
    clock.now += 0.1
    assert breaker.allow()


def test_a_success_closes_it_and_starts_the_wait_over() -> None:
    clock = Clock()
    breaker = Breaker(first_wait=0.1, max_wait=2.0, clock=clock)
    breaker.failed()
    clock.now += 0.1
    assert breaker.allow()
    breaker.failed()  # failed probe: the next wait is 0.2
    clock.now += 0.2
    assert breaker.allow()
    assert breaker.succeeded()  # back
    assert breaker.allow() and not breaker.is_open
    breaker.failed()
    clock.now += 0.1
    assert breaker.allow()  # 0.1 again
