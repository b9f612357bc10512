"""A clock for network tests that advances when the code under test waits, instead of waiting.

Every ppml network client waits through :data:`ppml_cli.net.policy.CLOCK`
(backoff, Retry-After, rate-limit resets) and measures a link's time with
it; :func:`fake_clock` puts this one in its place, so a test of a one-second
Retry-After takes no second, and can still assert that a second was waited.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from ppml_cli.net import policy


class FakeClock(policy.Clock):
    """Real time plus every wait asked for, which is recorded and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    @property
    def waited(self) -> float:
        return sum(self.waits)

    def elapsed(self) -> float:
        return time.perf_counter() + self.waited

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)  # still a point where other tasks run


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    clock = FakeClock()
    monkeypatch.setattr(policy, "CLOCK", clock)
    yield clock


@pytest.fixture(autouse=True)
def no_real_waits(fake_clock: FakeClock) -> None:
    """Imported by a test module: backoff, Retry-After and rate-limit waits in it advance the fake clock."""
