"""The openai backend over several servers: real HTTP servers on 127.0.0.1 that answer as an OpenAI chat
endpoint and can be told to answer 429 with Retry-After, 503, hang or die; and the AIMD window itself."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support import free_port

from transforms.errors import TransformError, TransientTransformError
from transforms.synth.adaptive_limit import AdaptiveLimit
from transforms.synth.backends import OpenAIBackend
from transforms.synth.openai_backend import retry_after
from transforms.synth.sampling import Sampling


class ChatServer:
    """A threaded HTTP server answering GET /v1/models and POST /v1/chat/completions. `script` says what
    the next chat requests get (an HTTP status, (429, Retry-After), "hang" until killed, "die"); `hang`
    makes every request hang; `die_at`: the server dies when its n-th chat request arrives."""

    def __init__(self, root: str = "/models/tiny", model: str = "tiny", port: int = 0, delay: float = 0.0):
        self.root, self.model, self.delay = root, model, delay
        self.script: deque = deque()
        self.hang, self.die_at = False, None
        self.requests: list[tuple[float, dict]] = []  # (arrival, body) of every chat request
        self.in_flight = self.most_in_flight = 0
        self.lock, self.dead = threading.Lock(), threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # a client that hung up: nothing to print
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def kill(self) -> None:
        """Every connection dropped unanswered, the port closed: as a server that was SIGKILLed."""
        if not self.dead.is_set():
            self.dead.set()
            self.httpd.shutdown()
            self.httpd.server_close()

    def answered(self) -> int:
        return sum(1 for _, body in self.requests)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real server: a dead one drops live connections

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if server.dead.is_set():
                    return self._drop()
                if self.path.rstrip("/") == "/v1/models":
                    return self._json(200, {"object": "list", "data": [
                        {"id": server.model, "object": "model", "root": server.root}]})
                self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if server.dead.is_set():
                    return self._drop()
                with server.lock:
                    server.requests.append((time.monotonic(), body))
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                    action = server.script.popleft() if server.script else "hang" if server.hang else "ok"
                    if server.die_at is not None and len(server.requests) >= server.die_at:
                        action = "die"
                try:
                    if action == "die":
                        threading.Thread(target=server.kill).start()
                        server.dead.wait(5)
                    if action in ("die", "hang"):
                        server.dead.wait(60)
                        return self._drop()
                    if isinstance(action, tuple):
                        return self._json(action[0], {"error": "slow down"}, {"Retry-After": action[1]})
                    if isinstance(action, int):
                        return self._json(action, {"error": "unavailable"})
                    time.sleep(server.delay)
                    if server.dead.is_set():
                        return self._drop()
                    self._json(200, answer(body))
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def _drop(self) -> None:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            def _json(self, status: int, data: dict, headers: dict | None = None) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

        return Handler


def answer(body: dict) -> dict:
    """A chat completion that says which prompt, seed and sample it answers: the same on every server."""
    text, n = body["messages"][-1]["content"], body.get("n", 1)
    choices = [{"index": i, "finish_reason": "stop",
                "message": {"role": "assistant", "content": f"{text}|seed={body['seed']}|sample={i}"}}
               for i in range(n)]
    return {"object": "chat.completion", "model": body["model"], "choices": choices[::-1],
            "usage": {"prompt_tokens": 3, "completion_tokens": 4 * n, "total_tokens": 3 + 4 * n}}


@pytest.fixture
def serve():
    """Makes ChatServers; every one is killed at the end of the test."""
    made: list[ChatServer] = []

    def make(**kwargs) -> ChatServer:
        made.append(ChatServer(**kwargs))
        return made[-1]

    yield make
    for server in made:
        server.kill()


def prompts(backend: OpenAIBackend, count: int) -> list[str]:
    return [backend.render([{"role": "user", "content": f"prompt {i}"}]) for i in range(count)]


def texts(results) -> list[list[str]]:
    return [[c.text for c in samples] for samples in results]


def expected(count: int, n: int, seed: int) -> list[list[str]]:
    return [[f"prompt {i}|seed={seed}|sample={s}" for s in range(n)] for i in range(count)]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# The window itself, on a clock the test moves.

def test_the_window_grows_by_one_per_window_of_fast_answers_while_it_is_in_use():
    clock = Clock()
    limit = AdaptiveLimit(initial=4, maximum=6, clock=clock)
    def window_of_answers() -> None:
        for ticket in [limit.start() for _ in range(limit.window)]:
            limit.succeeded(ticket, 1.0)

    # +1/window per answer to a request sent with at least half the window in flight (loads 2, 3, 4 of 4).
    window_of_answers()
    assert limit.free() == 4 and round(limit.limit, 3) == 4.708 and limit.window == 4
    window_of_answers()
    assert limit.window == 5
    for _ in range(40):
        limit.succeeded(limit.start(), 1.0)  # one request at a time in a window of 5: idle, no growth
    assert limit.window == 5
    for _ in range(10):
        window_of_answers()
    assert limit.window == 6 == limit.maximum


def test_a_failure_halves_the_window_once_per_window():
    clock = Clock()
    limit = AdaptiveLimit(initial=16, clock=clock)
    tickets = [limit.start() for _ in range(16)]
    clock.now += 1
    assert limit.failed(tickets[0], pause=0.5) and limit.window == 8
    assert limit.free() == 0  # paused
    clock.now += 0.5
    assert limit.free() == 0 and limit.in_flight == 15  # past the pause, but 15 still out in a window of 8
    for ticket in tickets[1:]:  # sent before the decrease: old news
        assert not limit.failed(ticket)
    assert limit.window == 8 and limit.in_flight == 0 and limit.free() == 8
    clock.now += 1
    later = limit.start()
    assert limit.failed(later) and limit.window == 4
    for _ in range(5):
        clock.now += 1
        limit.failed(limit.start())
    assert limit.window == 1 == limit.minimum


def test_rising_latency_shrinks_the_window_and_slower_work_becomes_the_normal():
    clock = Clock()
    limit = AdaptiveLimit(initial=20, samples=8, clock=clock)

    def answers(latency: float, count: int = 8) -> None:
        clock.now += 1  # sent after any decrease: they measure the window as it is now
        for _ in range(count):
            limit.succeeded(limit.start(), latency)

    answers(1.0)
    assert (limit.lowest, limit.window) == (1.0, 20)
    answers(3.0)  # one median above twice the lowest may be an unlucky draw of long and short answers
    assert limit.decreases == 0
    answers(3.0)  # two in a row: load
    assert limit.decreases == 1 and limit.window == 15
    answers(1.2)  # the smaller window brought it down
    assert limit.decreases == 1 and limit.lowest == 1.0
    answers(2.5)
    answers(2.5)
    assert limit.decreases == 2 and limit.window == 11
    answers(2.5)  # a smaller window did not help: the work is slower (longer prompts), not the server
    answers(2.5)
    answers(2.6)
    assert limit.decreases == 2 and limit.lowest == 2.5


def test_429_waits_what_the_server_says_then_halves():
    clock = Clock()
    limit = AdaptiveLimit(initial=8, clock=clock)
    limit.throttled(limit.start(), 2.0)
    assert limit.window == 4 and limit.free() == 0
    clock.now += 1.99
    assert limit.free() == 0
    clock.now += 0.01
    assert limit.free() == 4


def test_retry_after_is_seconds_or_an_http_date():
    assert retry_after("2") == 2.0 and retry_after("0.5") == 0.5
    date = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 28 <= retry_after(date) <= 30
    assert retry_after("soon") is None and retry_after(None) is None
    assert retry_after("86400") == 300.0  # asked again after five minutes, not a day


# The backend against real HTTP servers.

def test_requests_spread_over_the_servers_and_the_rows_do_not_depend_on_them(serve):
    a, b = serve(delay=0.01), serve(delay=0.01)
    two = OpenAIBackend([a.url, b.url], "tiny", concurrency=4)
    results = two.generate(prompts(two, 40), Sampling(n=2, seed=7), None)
    assert texts(results) == expected(40, 2, 7)  # in order, the samples sorted by their index
    assert a.answered() > 5 and b.answered() > 5 and a.answered() + b.answered() == 40
    assert two.prompts_sent == 40
    one = OpenAIBackend(b.url, "tiny")
    assert texts(one.generate(prompts(one, 40), Sampling(n=2, seed=7), None)) == texts(results)
    # The revision is the model the servers serve: not which one answered, nor how many there are.
    reversed_ = OpenAIBackend([b.url, a.url], "tiny")
    assert one.revision == two.revision == reversed_.revision == "served:/models/tiny"


def test_a_fast_server_gets_more_than_the_starting_window(serve):
    server = serve(delay=0.02)
    backend = OpenAIBackend(server.url, "tiny", concurrency=2, max_concurrency=64)
    backend.generate(prompts(backend, 200), Sampling(), None)
    assert server.most_in_flight > 2 and backend.counts()[server.url]["window"] > 2


def test_503_shrinks_the_window_and_the_request_is_sent_again(serve):
    server = serve()
    server.script.extend([503])
    backend = OpenAIBackend(server.url, "tiny", concurrency=8, backoff=0.05)
    results = backend.generate(prompts(backend, 8), Sampling(seed=1), None)
    assert texts(results) == expected(8, 1, 1)
    assert len(server.requests) == 9
    limit = backend.pool.servers[0].limit
    assert limit.decreases == 1 and backend.counts()[server.url]["status"] == 1


def test_429_waits_retry_after_before_asking_again(serve):
    server = serve()
    server.script.append((429, "1"))
    backend = OpenAIBackend(server.url, "tiny", concurrency=4, backoff=0.01)
    [samples] = backend.generate(prompts(backend, 1), Sampling(), None)
    assert samples[0].text == "prompt 0|seed=0|sample=0"
    (first, _), (second, _) = server.requests
    assert second - first >= 1.0
    assert backend.counts()[server.url] == {"throttled": 1, "answered": 1, "window": 2}


def test_a_throttled_request_goes_to_another_server_at_once(serve):
    a, b = serve(), serve()
    a.script.append((429, "5"))
    backend = OpenAIBackend([a.url, b.url], "tiny", concurrency=1)
    started = time.monotonic()
    results = backend.generate(prompts(backend, 4), Sampling(), None)
    assert texts(results) == expected(4, 1, 0) and time.monotonic() - started < 4
    assert len(a.requests) == 1  # a still waits what it said; b answered the rest


def test_a_dead_server_s_requests_go_to_the_other(serve):
    a, b = serve(delay=1.0), serve(delay=0.02)
    a.die_at = 3  # dies with requests in flight, answering none of them
    backend = OpenAIBackend([a.url, b.url], "tiny", concurrency=4, backoff=0.05)
    results = backend.generate(prompts(backend, 30), Sampling(n=2, seed=3), None)
    assert texts(results) == expected(30, 2, 3)  # nothing lost, each prompt once
    counts = backend.counts()
    assert counts[a.url].get("answered", 0) == 0 and counts[a.url]["gone"] >= 1
    assert counts[b.url]["answered"] == 30 and backend.prompts_sent == 30


def test_a_server_that_comes_back_is_used_again(serve):
    a, b = serve(), serve()
    a.kill()
    backend = OpenAIBackend([a.url, b.url], "tiny", concurrency=2, backoff=0.05, max_pause=0.2)
    assert texts(backend.generate(prompts(backend, 10), Sampling(), None)) == expected(10, 1, 0)
    assert b.answered() == 10
    back = serve(port=a.port)
    time.sleep(0.3)  # past its pause
    assert texts(backend.generate(prompts(backend, 40), Sampling(), None)) == expected(40, 1, 0)
    assert back.answered() > 0 and back.answered() + b.answered() == 50


def test_a_hanging_server_times_out_and_its_requests_go_to_the_other(serve):
    a, b = serve(), serve()
    a.hang = True
    backend = OpenAIBackend([a.url, b.url], "tiny", concurrency=2, timeout=0.5, backoff=0.05)
    started = time.monotonic()
    assert texts(backend.generate(prompts(backend, 8), Sampling(), None)) == expected(8, 1, 0)
    assert time.monotonic() - started < 5
    assert backend.counts()[a.url]["timeout"] >= 1 and b.answered() == 8


def test_every_server_dead_is_a_transient_error_in_one_line():
    urls = [f"http://127.0.0.1:{free_port()}/v1" for _ in range(2)]
    backend = OpenAIBackend(urls, "tiny", retries=2, backoff=0.01)
    started = time.monotonic()
    with pytest.raises(TransientTransformError) as info:
        backend.generate(prompts(backend, 3), Sampling(), None)
    message = str(info.value)
    assert message.startswith("synth: all 2 servers failed after 3 attempts each (") and "\n" not in message
    assert all(f"{url}: ConnectError" in message for url in urls)
    assert time.monotonic() - started < 5


def test_servers_that_fail_every_request_are_a_transient_error(serve):
    a, b = serve(), serve()
    a.script.extend([503] * 100)
    b.script.extend([502] * 100)
    backend = OpenAIBackend([a.url, b.url], "tiny", retries=1, backoff=0.01)
    with pytest.raises(TransientTransformError, match=r"after 2 attempts each \(.*HTTP 503.*HTTP 502\)"):
        backend.generate(prompts(backend, 4), Sampling(), None)
    # Another stage attempt, the servers well again: a fresh set of retries.
    a.script.clear()
    b.script.clear()
    assert texts(backend.generate(prompts(backend, 4), Sampling(), None)) == expected(4, 1, 0)


def test_servers_of_different_models_are_a_one_line_error(serve):
    a, b = serve(root="/models/a"), serve(root="/models/b")
    backend = OpenAIBackend([a.url, b.url], "tiny")
    with pytest.raises(TransformError) as info:
        backend.generate(prompts(backend, 2), Sampling(), None)
    assert not isinstance(info.value, TransientTransformError)
    assert str(info.value) == (f"synth: the servers serve different models: {a.url} serves /models/a, "
                               f"{b.url} serves /models/b; give servers of one model") or \
        str(info.value) == (f"synth: the servers serve different models: {b.url} serves /models/b, "
                            f"{a.url} serves /models/a; give servers of one model")
    other = OpenAIBackend(a.url, "llama")
    with pytest.raises(TransformError, match=r"does not serve 'llama' \(it serves 'tiny'\)"):
        other.revision  # noqa: B018
