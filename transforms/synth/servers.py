"""The servers an OpenAI-compatible backend spreads its requests over: each one's window, health and model.

A failure pauses its server (exponential backoff, or what Retry-After says) and shrinks its window; a
dropped connection leaves it one probe at a time, so a server that comes back is used again. Failures
are counted in rounds (a round: the failures of requests sent after the previous failure), so a server
that drops sixteen requests at once has failed once. Not thread-safe: one dispatcher owns it.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from transforms.errors import TransformError, TransientTransformError
from transforms.synth.adaptive_limit import AdaptiveLimit, Ticket

GONE, TIMEOUT, STATUS, THROTTLED = "gone", "timeout", "status", "throttled"  # kinds of failure


@dataclass
class Server:
    """One base URL: its window, its failure rounds, and the model it said it serves."""

    url: str
    limit: AdaptiveLimit
    root: str | None = None  # what it serves under the model's name, once it has said so
    rounds: int = 0  # consecutive rounds of failures
    last_failure: float = -math.inf
    checking: bool = False  # its GET /models is in flight
    error: str = ""  # the last failure, for the message that gives up
    counts: Counter = field(default_factory=Counter)


class ServerPool:
    """Picks a server for each request and keeps each one's state from what its answers say."""

    def __init__(self, urls: list[str], retries: int = 4, backoff: float = 0.5, max_pause: float = 30.0,
                 limit: Callable[[], AdaptiveLimit] = AdaptiveLimit,
                 clock: Callable[[], float] = time.monotonic):
        self.servers = [Server(url, limit()) for url in urls]
        self.retries, self.backoff, self.max_pause, self.clock = retries, backoff, max_pause, clock
        self.root: str | None = None  # the model every server must serve
        self.root_from = ""  # the server that said so first
        self._turn = 0

    def pick(self, failed_on: Counter) -> Server | None:
        """The server to send a request to now: one it has failed on least, then the most free room."""
        now = self.clock()
        ready = [(s, free) for s in self.servers if s.root is not None and (free := s.limit.free(now)) > 0]
        if not ready:
            return None
        self._turn += 1
        n = len(self.servers)
        best, _ = min(ready, key=lambda sf: (failed_on[sf[0].url], -sf[1] / sf[0].limit.window,
                                             (self.servers.index(sf[0]) - self._turn) % n))
        return best

    def to_check(self) -> list[Server]:
        """Servers whose model is not known yet and that may be asked now."""
        now = self.clock()
        due = [s for s in self.servers if s.root is None and not s.checking and now >= s.limit.paused_until]
        for server in due:
            server.checking = True
        return due

    def next_change(self) -> float | None:
        """Seconds until a paused server may be asked again; None if none is paused."""
        now = self.clock()
        waits = [s.limit.paused_until - now for s in self.servers if s.limit.paused_until > now]
        return min(waits) if waits else None

    def checked(self, server: Server, root: str) -> None:
        """Its GET /models answered: the same model as the others, or a one-line error."""
        server.checking, server.rounds, server.root = False, 0, root
        if self.root is None:
            self.root, self.root_from = root, server.url
        elif root != self.root:
            raise TransformError(f"synth: the servers serve different models: {self.root_from} serves "
                                 f"{self.root}, {server.url} serves {root}; give servers of one model")

    def succeeded(self, server: Server, ticket: Ticket, latency: float) -> None:
        server.rounds = 0
        server.counts["answered"] += 1
        server.limit.succeeded(ticket, latency)

    def failed(self, server: Server, ticket: Ticket | None, kind: str, error: str,
               retry_after: float | None = None) -> None:
        """A request (or a check, without a ticket) failed: pause and shrink the server."""
        if ticket is None:
            server.checking = False
        if kind == GONE:
            server.root = None  # asked again before it is used: it may come back serving another model
        server.error = error
        server.counts[kind] += 1
        now = self.clock()
        if ticket is None or ticket.started > server.last_failure:  # news: a new round
            server.rounds += 1
            server.last_failure = now
        pause = min(self.max_pause, self.backoff * 2 ** max(0, server.rounds - 1))
        if kind == THROTTLED and retry_after is not None:
            pause = retry_after
        if ticket is None:
            server.limit.pause(pause)
            server.limit.collapse()
        elif kind == THROTTLED:
            server.limit.throttled(ticket, pause)
        else:
            server.limit.failed(ticket, pause)
            if kind == GONE:
                server.limit.collapse()

    def begin(self) -> None:
        """A new batch: nothing of an earlier one is in flight any more (a batch that failed leaves its
        requests behind), and after every server had failed each gets a fresh set of retries."""
        everyone_failed = self.all_failed()
        for server in self.servers:
            server.checking, server.limit.in_flight = False, 0
            if everyone_failed:
                server.rounds = 0

    def all_failed(self) -> bool:
        return all(s.rounds > self.retries for s in self.servers)

    def give_up(self, attempts: int | None = None) -> TransientTransformError:
        """The error when every server failed past the retries (or one request failed on each)."""
        attempts = attempts or self.retries + 1
        if len(self.servers) == 1:
            server = self.servers[0]
            return TransientTransformError(f"synth: {server.url} failed after {attempts} attempts "
                                           f"({server.error})")
        errors = "; ".join(f"{s.url}: {s.error or 'no answer'}" for s in self.servers)
        return TransientTransformError(f"synth: all {len(self.servers)} servers failed after {attempts} "
                                       f"attempts each ({errors})")

    def counts(self) -> dict[str, dict]:
        """Per server: requests answered and failed by kind, and the window now."""
        return {s.url: {**dict(s.counts), "window": s.limit.window} for s in self.servers}
