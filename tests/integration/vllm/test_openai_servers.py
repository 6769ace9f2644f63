"""The openai backend over two real vLLM servers of the tiny model on 127.0.0.1: one is SIGKILLed while a
synthesize stage generates, the build finishes on the other, nothing is lost or generated twice, and its
rows are the bytes of a one-server build's."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from support import free_port
from support.build import build

from flows.serve import on_cpu, vllm_command, vllm_env
from transforms.synth.backends import OpenAIBackend
from transforms.synth.sampling import Sampling

PROMPTS = 48
CHUNK = 6
RECIPE = """\
name: two-servers
input: {{format: jsonl, paths: ["{data}"], text_fields: [question]}}
executor: {{tasks: 1, workers: 1}}
stages:
  - type: synthesize
    task: generate
    config: answers
    prompt: "Answer in a few words: {{{{ question }}}}"
    schema:
      type: object
      properties:
        answer: {{type: string, minLength: 1, maxLength: 60}}
      required: [answer]
      additionalProperties: false
    inputs: [question]
    backend: openai
    base_url: {base_url}
    model: tiny
    chunk_size: {chunk}
    sampling: {{n: 2, seed: 5, temperature: 1.0, max_tokens: 48}}
"""


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL to the server and its engine: it dies with its requests unanswered."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def answered(self) -> int:
        return self.log.read_text().count('"POST /v1/chat/completions HTTP/1.1" 200')


@pytest.fixture(scope="module")
def servers(tiny_model, tmp_path_factory) -> list[Server]:
    """Two servers of the tiny model, started at once (their engines load side by side), for this file."""
    folder = tmp_path_factory.mktemp("servers")
    cpu, started = on_cpu(), []
    try:
        for name in ("a", "b"):
            port, log = free_port(), folder / f"{name}.log"
            with open(log, "w") as out:
                proc = subprocess.Popen(vllm_command(str(tiny_model), "tiny", "127.0.0.1", port, cpu),
                                        env=vllm_env(cpu, local=True), stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
            started.append(Server(f"http://127.0.0.1:{port}/v1", proc, log))
        deadline = time.monotonic() + 600
        for server in started:
            while not _ready(server.url):
                assert server.proc.poll() is None, f"vLLM exited: see {server.log}"
                assert time.monotonic() < deadline, f"vLLM did not serve in 600 s: see {server.log}"
                time.sleep(1)
        yield started
    finally:
        for server in started:
            server.kill()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/models", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_completions_are_the_same_from_either_server_and_from_both(servers, tiny_model):
    a, b = servers
    sampling = Sampling(n=2, seed=1, max_tokens=24)
    results = {}
    for urls in ([a.url], [b.url], [a.url, b.url]):
        backend = OpenAIBackend(urls, "tiny", concurrency=4)
        prompts = [backend.render([{"role": "user", "content": f"Name {i} colours."}]) for i in range(16)]
        results[len(urls), urls[0]] = [[c.text for c in s] for s in backend.generate(prompts, sampling, None)]
        assert backend.revision == f"served:{tiny_model}"
    assert len({json.dumps(r) for r in results.values()}) == 1


def _build(state: Path, out: Path, recipe: Path) -> Path:
    result, _ = build(state, out, recipe=str(recipe))
    return Path(result["path"])


def _recipe(folder: Path, base_url: list[str]) -> Path:
    data = folder / "questions.jsonl"
    data.write_text("".join(json.dumps({"id": f"q{i:02d}", "question": f"What is {i} plus {i % 7}?"}) + "\n"
                            for i in range(PROMPTS)))
    path = folder / "two-servers.yaml"
    path.write_text(RECIPE.format(data=data, base_url=json.dumps(base_url), chunk=CHUNK))
    return path


def _cached(state: Path) -> int:
    path = state / "generations.sqlite"
    if not path.is_file():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM completions").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _files(version: Path) -> dict[str, str]:
    return {str(p.relative_to(version)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((version / "data").rglob("*.parquet"))}


def test_the_verified_code_recipe_through_a_served_model(servers, tmp_path):
    """The built-in verified-code recipe with the openai backend (the tiny model served by one of the
    servers): every solution run with its tests in the sandbox, failures sent back once, the rows and rejects
    counted, the synthetic rows decontaminated against HumanEval."""
    result, _ = build(tmp_path / "state", tmp_path / "out", "stages.synthesize.backend=openai",
                      f"stages.synthesize.base_url={servers[0].url}", "stages.synthesize.model=tiny",
                      "stages.synthesize.sampling.max_tokens=64",
                      # a random model closes a string only at its maxLength: code that ends, and runs
                      "stages.synthesize.schema.properties.code.maxLength=40", recipe="verified-code")
    path = Path(result["path"])
    manifest = json.loads((path / "manifest.json").read_text())
    stages = {s["name"]: s for s in manifest["stages"]}
    synth = stages["synthesize-code"]
    assert synth["in"] == 32 * 4 == synth["out"] + sum(synth["dropped"].values())
    runs = {"tests_failed", "timeout", "memory", "crashed", "syntax_error", "no_tests"}
    assert set(synth["dropped"]) <= runs | {"truncated", "unparsable", "schema_mismatch"}
    assert set(synth["dropped"]) & runs  # the random model's code ran, and failed
    rounds = synth["synth"]["refine"]["by_round"]
    assert rounds[1]["tried"] >= sum(synth["dropped"].get(r, 0) for r in runs) > 0  # each failure went back
    assert "decontaminate-code" in stages and stages["decontaminate-code"].get("auto") is not False
    rejects = pq.read_table(path / "rejects" / "code.parquet").to_pylist()
    assert rejects and all(r["reason"] in synth["dropped"] for r in rejects)
    failed = next(r for r in rejects if r["reason"] in runs)
    assert failed["output"] and json.loads(failed["checks"])[0]["passed"] is False
    assert len(json.loads(failed["trajectory"])) == 1  # its first attempt, then the refined one


def test_a_server_killed_mid_stage_loses_nothing_and_generates_nothing_twice(servers, tmp_path, tiny_model):
    a, b = servers
    before = b.answered()
    (tmp_path / "two").mkdir()
    state = tmp_path / "two" / "state"
    killed_at: list[int] = []

    def kill_b_after_the_first_chunk() -> None:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and _cached(state) < CHUNK * 2:
            time.sleep(0.02)
        killed_at.append(_cached(state))
        b.kill()

    killer = threading.Thread(target=kill_b_after_the_first_chunk, daemon=True)
    killer.start()
    two = _build(state, tmp_path / "two" / "out", _recipe(tmp_path / "two", [a.url, b.url]))
    killer.join(timeout=60)
    # Killed while the stage generated: after the first chunk was in the cache, before the last.
    assert killed_at and CHUNK * 2 <= killed_at[0] < PROMPTS * 2
    assert b.proc.poll() is not None and b.answered() > before  # b served its share before it died

    stage = json.loads((two / "manifest.json").read_text())["stages"][-1]
    synth = stage["synth"]
    # Nothing generated twice: each prompt generated once, every completion cached once, none from the cache.
    assert (synth["generated_prompts"], synth["cached_prompts"]) == (PROMPTS, 0)
    assert _cached(state) == PROMPTS * 2
    # Nothing lost: every sample is a row or a drop with its reason.
    assert stage["in"] == PROMPTS * 2 == stage["out"] + sum(stage["dropped"].values())
    assert "unaccounted" not in stage["dropped"]
    assert synth["model_revision"] == f"served:{tiny_model}"

    (tmp_path / "one").mkdir()
    one = _build(tmp_path / "one" / "state", tmp_path / "one" / "out", _recipe(tmp_path / "one", [a.url]))
    assert _files(one) == _files(two) and _files(two)  # the same rows, byte for byte
