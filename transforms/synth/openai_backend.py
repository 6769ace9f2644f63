"""The openai backend: any OpenAI-compatible server (`vllm serve`, SGLang, TGI, llama.cpp), or several.

    backend = OpenAIBackend(["http://a:8000/v1", "http://b:8000/v1"], "smollm2-135m-instruct")
    backend.generate([prompt, ...], Sampling(n=2, seed=1), schema) -> [[Completion, Completion], ...]

Requests are spread over the servers, each with its own adaptive window (adaptive_limit.py); a failed
request is sent again, to another server where there is one (servers.py); only when every server has
failed past the retries is it an error, a transient one (the stage retries). The revision is what the
servers say they serve (GET /models: the model's root), so the completion cache and the rows are the same
whichever server answered and however many there were; each request carries the sampling seed, so a
prompt's completions do not depend on the server either.
"""

from __future__ import annotations

import email.utils
import json
import os
import queue
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from transforms.errors import TransformError
from transforms.synth.adaptive_limit import AdaptiveLimit
from transforms.synth.sampling import Completion, Sampling
from transforms.synth.servers import GONE, STATUS, THROTTLED, TIMEOUT, ServerPool

MAX_RETRY_AFTER = 300.0  # seconds: a server asking for longer is asked again then
CHECKED, OK, TOO_LONG, FATAL = "checked", "ok", "too_long", "fatal"  # outcomes besides the failures


def retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (email.utils.parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


class OpenAIBackend:
    """OpenAI-compatible servers: adaptive concurrency per server, failed requests retried on the others."""

    kind = "openai"
    RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}

    def __init__(
        self,
        base_url: str | list[str],
        model: str,
        max_model_len: int = 2048,
        concurrency: int = 16,
        max_concurrency: int = 256,
        retries: int = 4,
        timeout: float = 120.0,
        backoff: float = 0.5,
        max_pause: float = 30.0,
        api_key: str | None = None,
    ):
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise TransformError("synth: the openai backend needs a base_url")
        self.base_urls = [url.rstrip("/") for url in urls]
        self.model_id = model
        self.max_model_len = max_model_len
        self.retries, self.timeout = retries, timeout
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY", "none")
        # concurrency: each server's window to start with; it grows up to max_concurrency while answers
        # stay fast.
        maximum = max(concurrency, max_concurrency)
        self.pool = ServerPool(self.base_urls, retries, backoff, max_pause,
                               lambda: AdaptiveLimit(initial=concurrency, maximum=maximum))
        self.calls = self.prompts_sent = 0
        self._lock = threading.Lock()  # one dispatch at a time owns the pool

    @property
    def revision(self) -> str:
        """`served:<root>`: the model the servers serve, whichever of them said so."""
        if self.pool.root is None:
            with self._lock, self._client() as client:
                self.pool.begin()
                self._dispatch(client, [], 1)
        return f"served:{self.pool.root}"

    def render(self, messages: list[dict]) -> str:
        # The server applies the chat template; the messages themselves are the prompt (and its cache key).
        return json.dumps(messages, ensure_ascii=False)

    def prompt_tokens(self, prompt: str) -> int | None:
        return None  # the server says so itself (400), counted as prompt_too_long

    def generate(self, prompts: list[str], sampling: Sampling, schema: dict | None) -> list[list[Completion]]:
        if not prompts:
            return []
        self.calls += 1
        self.prompts_sent += len(prompts)  # once each, however many servers a prompt was sent to
        bodies = [self._body(p, sampling, schema) for p in prompts]
        with self._lock, self._client() as client:
            self.pool.begin()
            return self._dispatch(client, bodies, sampling.n)

    def counts(self) -> dict[str, dict]:
        """Per server: requests answered, failures by kind, and its window now."""
        return self.pool.counts()

    def _client(self):
        import httpx

        return httpx.Client(timeout=self.timeout, headers={"Authorization": f"Bearer {self.api_key}"},
                            limits=httpx.Limits(max_connections=None, max_keepalive_connections=None))

    def _body(self, prompt: str, sampling: Sampling, schema: dict | None) -> dict:
        body = {
            "model": self.model_id,
            "messages": json.loads(prompt),
            "n": sampling.n,
            "seed": sampling.seed,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "max_tokens": sampling.max_tokens,
        }
        if sampling.stop:
            body["stop"] = list(sampling.stop)
        if sampling.frequency_penalty:
            body["frequency_penalty"] = sampling.frequency_penalty
        if schema:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": schema, "strict": True},
            }
        return body

    def _dispatch(self, client, bodies: list[dict], n: int) -> list[list[Completion]]:
        """Every body answered, each by one server; servers checked for their model before their first
        request. Worker threads only talk HTTP; this thread alone reads their outcomes and keeps the state."""
        pool = self.pool
        results: list = [None] * len(bodies)
        left, ready = len(bodies), deque(range(len(bodies)))
        failed_on = [Counter() for _ in bodies]  # failures of each request, by server
        events: queue.SimpleQueue = queue.SimpleQueue()
        busy = 0
        threads = ThreadPoolExecutor(sum(s.limit.maximum + 1 for s in pool.servers), "openai")

        def run(work, args: tuple) -> None:
            try:
                outcome = work(client, *args)
            except Exception as e:  # noqa: BLE001 (a surprise must reach the dispatcher, not hang it)
                outcome = FATAL, f"synth: {args[0].url}: {type(e).__name__}: {_first_line(str(e))}", None
            events.put((args, outcome))

        def submit(work, *args) -> None:
            threads.submit(run, work, args)

        try:
            # Asked for the revision only (no bodies): until every server has answered its check once.
            while left or pool.root is None or (busy and not bodies):
                for server in pool.to_check():
                    submit(self._check, server)
                    busy += 1
                while ready and (server := pool.pick(failed_on[ready[0]])) is not None:
                    i = ready.popleft()
                    submit(self._attempt, server, server.limit.start(), i, bodies[i], n)
                    busy += 1
                wait = pool.next_change()
                if not busy:
                    time.sleep(wait if wait is not None else 0.05)
                    continue
                try:
                    args, (outcome, value, extra) = events.get(timeout=wait)
                except queue.Empty:
                    continue
                busy -= 1
                server = args[0]
                if outcome == FATAL:
                    raise TransformError(value)
                if outcome == CHECKED:
                    pool.checked(server, value)
                    continue
                if len(args) == 1:  # a failed check
                    pool.failed(server, None, outcome, value)
                elif outcome in (OK, TOO_LONG):
                    _, ticket, i, _, _ = args
                    pool.succeeded(server, ticket, extra)
                    results[i] = value
                    left -= 1
                    continue
                else:
                    _, ticket, i, _, _ = args
                    pool.failed(server, ticket, outcome, value, extra)
                    failed_on[i][server.url] += 1
                    if all(failed_on[i][s.url] > self.retries for s in pool.servers):
                        raise pool.give_up(self.retries + 1)
                    ready.appendleft(i)  # first in line: the next server with room takes it
                if pool.all_failed():
                    raise pool.give_up()
        finally:
            # Requests still out (to a server that hangs) end at their time-out; nobody waits for them.
            threads.shutdown(wait=False, cancel_futures=True)
        return results

    def _check(self, client, server) -> tuple[str, str, None]:
        """GET /models: the root of the model the server serves under `model_id`."""
        import httpx

        url = f"{server.url}/models"
        try:
            response = client.get(url, timeout=min(self.timeout, 10.0))
        except httpx.TimeoutException as e:
            return TIMEOUT, f"{type(e).__name__}: {e}", None
        except httpx.TransportError as e:
            return GONE, f"{type(e).__name__}: {e}", None
        if response.status_code == 404:  # a server with no model list: the name is all it says
            return CHECKED, self.model_id, None
        if response.status_code in self.RETRY_STATUS:
            return STATUS, f"HTTP {response.status_code}", None
        if response.status_code != 200:
            return FATAL, f"synth: {url} answered {response.status_code}: {_first_line(response.text)}", None
        try:
            models = {m["id"]: m.get("root") or m["id"] for m in response.json()["data"]}
        except (ValueError, KeyError, TypeError):
            return FATAL, f"synth: {url} answered no model list: {_first_line(response.text)}", None
        if self.model_id not in models:
            return FATAL, (f"synth: {server.url} does not serve {self.model_id!r} (it serves "
                           f"{', '.join(map(repr, models)) or 'nothing'}): give the name it serves"), None
        return CHECKED, models[self.model_id], None

    def _attempt(self, client, server, ticket, i: int, body: dict, n: int) -> tuple:
        """One request: (outcome, completions or error, latency or Retry-After)."""
        import httpx

        url = f"{server.url}/chat/completions"
        started = time.monotonic()
        try:
            response = client.post(url, json=body)
        except httpx.TimeoutException as e:
            return TIMEOUT, f"{type(e).__name__}: {e}", None
        except httpx.TransportError as e:
            return GONE, f"{type(e).__name__}: {e}", None
        except httpx.RequestError as e:  # a broken answer (bad encoding, redirects): not the server gone
            return STATUS, f"{type(e).__name__}: {e}", None
        elapsed = time.monotonic() - started
        status = response.status_code
        if status == 200:
            try:
                answer = response.json()
                choices = sorted(answer["choices"], key=lambda c: c.get("index", 0))
                completions = [Completion(c["message"]["content"] or "", c.get("finish_reason") or "stop", 0)
                               for c in choices]
            except (ValueError, KeyError, TypeError):
                return STATUS, f"a malformed answer: {_first_line(response.text)}", None
            if len(completions) != n:
                return FATAL, (f"synth: {url} answered {len(completions)} completions for n={n}: "
                               "it does not support n; use sampling.n: 1 with it"), None
            tokens = (answer.get("usage") or {}).get("completion_tokens")
            # Seconds per token: a long completion is not a slow server.
            return OK, completions, elapsed / tokens if tokens else elapsed
        if status == 400 and "context" in response.text.lower():
            return TOO_LONG, [Completion("", "prompt_too_long", 0)] * n, elapsed
        if status == 429:
            return THROTTLED, "HTTP 429", retry_after(response.headers.get("retry-after"))
        if status in self.RETRY_STATUS:
            return STATUS, f"HTTP {status}", None
        return FATAL, f"synth: {url} answered {status}: {_first_line(response.text)}", None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text and text.strip() else ""
