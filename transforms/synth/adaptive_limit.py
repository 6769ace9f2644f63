"""How many requests one server may have in flight: additive increase, multiplicative decrease (AIMD).

    limit = AdaptiveLimit(initial=16)
    ticket = limit.start()                 # a request goes out (only while limit.free() > 0)
    limit.succeeded(ticket, seconds)       # fast while the window was in use: +1 per window of successes
    limit.failed(ticket, pause=0.5)        # time-out or 5xx: x0.5, and no request for `pause` seconds
    limit.throttled(ticket, retry_after)   # 429: wait what the server said, then x0.5

Rising latency (the median of the last `samples` answers above `tolerance` x the lowest such median
seen: a median, so that a mix of short and long completions is not taken for load) decreases the window
too (x`latency_decrease`): a server that never answers 429 still pushes back. As TCP does, one decrease per
window: a signal from a request sent before the last decrease is old news and changes nothing. Not
thread-safe: one dispatcher owns it.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Ticket:
    """A request in flight: when it was sent, and how many were in flight then (itself included)."""

    started: float
    load: int


class AdaptiveLimit:
    """One server's concurrency window and the time before which it takes no request."""

    def __init__(self, initial: int = 16, minimum: int = 1, maximum: int = 256, tolerance: float = 2.0,
                 decrease: float = 0.5, latency_decrease: float = 0.75, samples: int = 32,
                 clock: Callable[[], float] = time.monotonic):
        if not 1 <= minimum <= initial <= maximum:
            raise ValueError(f"need 1 <= minimum <= initial <= maximum, got {minimum}, {initial}, {maximum}")
        self.limit = float(initial)
        self.minimum, self.maximum = minimum, maximum
        self.tolerance, self.decrease, self.latency_decrease = tolerance, decrease, latency_decrease
        self.clock = clock
        self.in_flight = 0
        self.paused_until = -math.inf
        self.recent: deque[float] = deque(maxlen=samples)  # latencies of the answers at this window
        self.latency: float | None = None  # their median
        self.lowest: float | None = None  # the lowest median seen: the server unloaded
        self.high = 0  # medians in a row above tolerance x lowest
        self.cut: float | None = None  # the median the window was last cut for, until the next one
        self.last_decrease = -math.inf
        self.decreases = 0

    @property
    def window(self) -> int:
        return max(self.minimum, int(self.limit))

    def free(self, now: float | None = None) -> int:
        """Requests that may go out now: none while paused."""
        now = self.clock() if now is None else now
        return 0 if now < self.paused_until else max(0, self.window - self.in_flight)

    def start(self) -> Ticket:
        self.in_flight += 1
        return Ticket(self.clock(), self.in_flight)

    def succeeded(self, ticket: Ticket, latency: float) -> None:
        """A good answer after `latency` (seconds, or seconds per token: only its trend matters)."""
        self.in_flight -= 1
        if ticket.started > self.last_decrease:  # a request sent before then measured the old window
            self.recent.append(latency)
            if len(self.recent) == self.recent.maxlen and self._too_slow(statistics.median(self.recent)):
                self._decrease(ticket, self.latency_decrease)
                return
        if ticket.load * 2 >= self.window:  # grow only a window in use: an idle one proves nothing
            self.limit = min(self.maximum, self.limit + 1 / self.limit)

    def _too_slow(self, median: float) -> bool:
        """Whether a median of fresh answers says the server is overloaded: above tolerance x the lowest
        median, twice in a row (not one unlucky draw of short and long completions)."""
        self.latency, cut, self.cut = median, self.cut, None
        if cut is not None and median > 0.9 * cut:
            # The window was cut and it did not come down: not load but the work (longer prompts, say).
            self.lowest, self.high = median, 0
        elif self.lowest is None or median <= self.tolerance * self.lowest:
            self.lowest, self.high = min(median, self.lowest or median), 0
        elif self.high:
            self.high, self.cut = 0, median
            return True
        else:
            self.high = 1
            self.recent.clear()
        return False

    def failed(self, ticket: Ticket | None, pause: float = 0.0) -> bool:
        """A time-out, 5xx or dropped connection: x`decrease`, no request for `pause` seconds. Whether it
        was news (a request sent after the last decrease)."""
        if ticket is not None:
            self.in_flight -= 1
        self.pause(pause)
        return self._decrease(ticket, self.decrease)

    def throttled(self, ticket: Ticket, retry_after: float) -> bool:
        """429: nothing goes out for `retry_after` seconds, then at half the window."""
        return self.failed(ticket, retry_after)

    def collapse(self) -> None:
        """The server is gone: one probe at a time when it is tried again."""
        self.limit = float(self.minimum)
        self.last_decrease = self.clock()

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    def _decrease(self, ticket: Ticket | None, factor: float) -> bool:
        if ticket is not None and ticket.started <= self.last_decrease:
            return False
        self.limit = max(float(self.minimum), self.limit * factor)
        self.last_decrease = self.clock()
        self.decreases += 1
        self.recent.clear()  # measure the new window afresh
        return True
