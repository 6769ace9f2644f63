"""The synthesize stage on Beam's runners, with the tiny vLLM model: the DirectRunner with worker threads
and with worker processes (`beam_options` of a recipe), a portable runner job (Beam's own job service,
SDK workers started by an external worker pool, as Flink and Spark run Python), and the pipeline as a
portable runner receives it (pickled with Beam's picklers, as a runner API proto, rebuilt in a fresh
process). Every run must write the rows of the single-process run, byte for byte."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from support import ROOT, free_port
from support.build import build
from support.pages import load_pages
from support.recipes import write_recipe

PAGES = load_pages("sample")

# Worker processes and threads must never fail behind the pipeline's back (a worker that died at
# teardown only logged, in a thread, and the run still "succeeded").
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

DOCS = 6
MULTI_PROCESSING = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
MULTI_THREADING = ["--direct_running_mode=multi_threading", "--direct_num_workers=2"]


def _build(base: Path, name: str, model: Path, runner: str = "DirectRunner", options: list[str] = ()) -> dict:
    """A build of the recipe in its own state folder: its own stage cache and generation cache."""
    folder = base / name
    folder.mkdir(parents=True)
    docs = folder / "docs.jsonl"
    pages = [p for p in PAGES if p["kind"] in ("article", "boilerplate")][:DOCS]
    docs.write_text("".join(json.dumps({"id": f"doc-{i}", "text": p["main_text"]}) + "\n"
                            for i, p in enumerate(pages)))
    recipe = write_recipe("beam-runners.yaml", folder, "recipe.yaml", docs=docs, model=model, runner=runner,
                          options=json.dumps(list(options)))
    started = time.monotonic()
    result, _ = build(folder / "state", folder / "out", recipe=str(recipe))
    path = Path(result["path"])
    manifest = json.loads((path / "manifest.json").read_text())
    files = {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(path.rglob("*.parquet"))}
    return {"files": files, "stage": manifest["stages"][-1], "seconds": time.monotonic() - started,
            "path": path}


@pytest.fixture(scope="module")
def single(tmp_path_factory, tiny_model, backend_spec):
    """The single-process run (the DirectRunner's default in_memory mode), on the session's engine."""
    return _build(tmp_path_factory.mktemp("beam-single"), "single", tiny_model)


def _same_rows(run: dict, single: dict) -> None:
    import pyarrow.parquet as pq

    assert set(run["files"]) == {"data/train-00000-of-00001.parquet", "data/qa/train-00000-of-00001.parquet"}
    rows = pq.read_table(single["path"] / "data/qa/train-00000-of-00001.parquet").to_pylist()
    assert len(rows) == single["stage"]["out"] > 0
    assert {r["source_id"] for r in rows} == {f"doc-{i}" for i in range(DOCS)}
    assert run["files"] == single["files"]  # ids, text and provenance, byte for byte
    # Both generated everything (their caches are apart) and counted the same funnel.
    for key in ("in", "out", "dropped"):
        assert run["stage"][key] == single["stage"][key]
    assert run["stage"]["synth"]["generated_prompts"] == single["stage"]["synth"]["generated_prompts"] == DOCS


@pytest.mark.timeout(400)  # without the lock it hung too: fail well before the suite's 900 s
def test_worker_threads_share_the_process_engine_and_write_the_same_rows(backend_spec, tmp_path):
    """Two worker threads (records from a list: Beam splits them between the threads) on the engine
    this process holds. Without the lock around it, two threads generating at once on one vLLM engine
    took each other's outputs ("zip() argument 2 is shorter than argument 1")."""
    from pipelines.engines.beam import read_jsonl, run_synthesis
    from transforms.synth.sampling import Sampling
    from transforms.synth.tasks import load_task

    pages = [p for p in PAGES if p["kind"] in ("article", "boilerplate")]
    records = [{"id": f"doc-{c}-{i}", "text": f"Edition {c}. {p['main_text']}"}
               for c in range(2) for i, p in enumerate(pages)]
    task = load_task("doc_qa", {"min_support": 0.0, "max_passage_chars": 1200})
    sampling = Sampling(n=2, seed=4, max_tokens=400)
    runs = {}
    for name, options in (("single", []), ("threads", MULTI_THREADING)):
        counts = run_synthesis(records, backend_spec, task, sampling, str(tmp_path / f"{name}.db"),
                               tmp_path / name, chunk_size=2, extra_options=options)
        runs[name] = counts, [sorted(read_jsonl(tmp_path / name, kind), key=json.dumps)
                              for kind in ("rows", "rejected")]
    (counts, outputs), (threads_counts, threads_outputs) = runs["single"], runs["threads"]
    assert len(outputs[0]) > len(records) and counts["generated_prompts"] == len(records)
    assert threads_outputs == outputs  # rows and rejects: ids, text, provenance
    assert threads_counts == counts
    assert "backends_made" not in counts  # both runs, both threads: the engine this process held


@pytest.mark.slow
def test_worker_processes_from_the_recipes_beam_options_write_the_same_rows(single, tmp_path, tiny_model):
    run = _build(tmp_path, "processes", tiny_model, options=MULTI_PROCESSING)
    _same_rows(run, single)
    # Each worker process made its own backend (its own vLLM engine), from the pickled spec alone.
    assert run["stage"]["synth"]["backends_made"] == 2
    print(f"multi_processing build: {run['seconds']:.0f} s, single: {single['seconds']:.0f} s")


@pytest.mark.slow
def test_a_portable_runner_job_writes_the_same_rows(single, tmp_path, tiny_model):
    """infra/beam/portable-local.yaml: Beam's Python job service, an external worker pool."""
    stage = yaml.safe_load((ROOT / "infra" / "beam" / "portable-local.yaml").read_text())
    port = free_port()
    options = [o.replace("localhost:50000", f"localhost:{port}") for o in stage["beam_options"]]
    # The pool starts each SDK worker as `python -c ...`: this venv's python, first on PATH.
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    log = open(tmp_path / "pool.log", "w")
    pool = subprocess.Popen([sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main",
                             f"--service_port={port}"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "Started worker pool servicer" not in (tmp_path / "pool.log").read_text():
            assert pool.poll() is None and time.monotonic() < deadline, (tmp_path / "pool.log").read_text()
            time.sleep(0.2)
        run = _build(tmp_path, "portable", tiny_model, runner=stage["runner"], options=options)
    finally:
        pool.send_signal(signal.SIGINT)  # the pool stops its server and its worker processes
        try:
            pool.wait(30)
        except subprocess.TimeoutExpired:
            pool.kill()
            pool.wait()
        log.close()
    _same_rows(run, single)
    assert run["stage"]["synth"]["backends_made"] == 1  # in the pool's worker process, not here
    assert "Starting worker with command" in (tmp_path / "pool.log").read_text()


def _user_fns(fn) -> list:
    """The user code in a ParDo's DoFn: the DoFn itself, or the callables a Map or FlatMap wraps (Beam
    wraps them in a lambda of its own that closes over them)."""
    fn = getattr(fn, "_fn", fn)
    if getattr(fn, "__module__", type(fn).__module__).startswith("apache_beam") and getattr(
            fn, "__closure__", None):
        cells = [cell.cell_contents for cell in fn.__closure__]
        return [f for cell in cells if callable(cell) for f in _user_fns(cell)]
    return [fn]


def _name(fn) -> str:
    """module.qualname of a function, or of an object's class."""
    if not hasattr(fn, "__qualname__"):
        fn = type(fn)
    return f"{fn.__module__}.{fn.__qualname__}"


# What a portable runner's worker does with the pipeline it is sent, in an interpreter that has never
# seen the launcher: parse the proto, rebuild every transform (unpickling each DoFn and callable) and
# set up the DoFns. The guard: vLLM and datatrove spawn processes.
REBUILD = """
import json, sys

{helpers}

def main(path):
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.pipeline import Pipeline, PipelineVisitor
    from apache_beam.portability.api import beam_runner_api_pb2
    from apache_beam.runners.direct.direct_runner import DirectRunner

    from pipelines.engines import backends
    from pipelines.engines import beam as engine

    assert not backends._BACKENDS
    proto = beam_runner_api_pb2.Pipeline()
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    p = Pipeline.from_runner_api(proto, DirectRunner(), PipelineOptions(["--runner=DirectRunner"]))
    user, generators = [], []

    class Visit(PipelineVisitor):
        def visit_transform(self, node):
            if isinstance(node.transform, beam.ParDo):
                for fn in _user_fns(node.transform.fn):
                    user.append(_name(fn))
                    if isinstance(fn, engine.GenerateFn):
                        fn.setup()
                        generators.append(fn)

    p.visit(Visit())
    again = p.to_runner_api()
    print(json.dumps({
        "callables": sorted(set(user)),
        "generators": len(generators),
        "one_backend": len(backends._BACKENDS) == 1 and len({id(g.backend) for g in generators}) == 1,
        "model": generators[0].backend.model_id,
        "engine_started": generators[0].backend._llm is not None,
        "transforms": sorted(t.unique_name for t in again.components.transforms.values()),
    }))


if __name__ == "__main__":
    main(sys.argv[1])
"""


def _graphs(tiny_model: Path, tmp_path: Path):
    """The synthesis pipelines of every task shape: documents from files, records from a list, and the
    preference task's two generation steps, group-by and pairing."""
    import apache_beam as beam

    from pipelines.engines.beam import ToRecord, pipeline_options, synthesis_graph
    from transforms.synth.sampling import Sampling
    from transforms.synth.tasks import load_task

    backend = {"kind": "vllm", "model": str(tiny_model), "max_model_len": 2048}
    sampling = Sampling(n=2, seed=1)
    (tmp_path / "docs").mkdir(exist_ok=True)  # Beam's readers check at construction that files match
    (tmp_path / "docs" / "00000.jsonl.zst").touch()
    (tmp_path / "qa.jsonl").touch()
    shapes = {
        "doc_qa": (str(tmp_path / "docs" / "*.jsonl.zst"), load_task("doc_qa"), ToRecord({}, ("text",))),
        "critique": (str(tmp_path / "qa.jsonl"), load_task("critique"),
                     ToRecord({"prompt": "question", "response": "answer"}, ())),
        "preference": ([{"id": "p0", "prompt": "Say hi."}], load_task("preference"), None),
    }
    for name, (source, task, to_record) in shapes.items():
        p = beam.Pipeline(options=pipeline_options("DirectRunner"))
        synthesis_graph(p, source, backend, task, sampling, str(tmp_path / "cache.db"), tmp_path / name,
                        chunk_size=8, to_record=to_record)
        yield name, p


def test_the_pipeline_is_rebuilt_from_its_proto_alone_in_a_fresh_process(tiny_model, tmp_path):
    from apache_beam.runners.pipeline_utils import validate_pipeline_graph

    seen = set()
    for name, p in _graphs(tiny_model, tmp_path):
        proto = p.to_runner_api()  # every DoFn and callable pickled with Beam's pickler (cloudpickle)
        validate_pipeline_graph(proto)  # the checks Beam's runners make on a received graph
        path = tmp_path / f"{name}.pb"
        path.write_bytes(proto.SerializeToString())
        helpers = inspect.getsource(_user_fns) + "\n\n" + inspect.getsource(_name)
        script = REBUILD.replace("{helpers}", helpers)
        done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                              timeout=300, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        found = json.loads(done.stdout.strip().splitlines()[-1])
        ours = [c for c in found["callables"] if not c.startswith("apache_beam.")]
        # Only importable, module-level code of the package: nothing of __main__ or a closure.
        package = ("pipelines.engines.beam.", "transforms.")
        assert all(c.startswith(package) and "<locals>" not in c for c in ours), ours
        assert "pipelines.engines.beam.GenerateFn" in ours
        assert found["generators"] == (2 if name == "preference" else 1)
        # The worker makes its backend from the spec it was sent, one per process however many DoFns
        # use it; the engine itself starts at the first chunk, not at set-up.
        assert found["one_backend"] and found["model"] == "tiny-llama" and not found["engine_started"]
        assert found["transforms"] == sorted(t.unique_name for t in proto.components.transforms.values())
        seen.update(ours)
    assert {f"pipelines.engines.beam.{name}" for name in (
        "PickPair", "ToJudge", "_carry", "_dumps")} | {"transforms.synth.prompts.ToRecord"} <= seen


def test_every_callable_survives_both_of_beams_picklers(tiny_model, tmp_path):
    """Dataflow and the portable runners honour --pickle_library: cloudpickle (the default) and dill."""
    import apache_beam as beam
    from apache_beam.internal import pickler

    from pipelines.engines.beam import GenerateFn

    fns = []

    class Visit(beam.pipeline.PipelineVisitor):
        def visit_transform(self, node):
            if isinstance(node.transform, beam.ParDo):
                fns.append(node.transform.fn)

    for _, p in _graphs(tiny_model, tmp_path):
        p.visit(Visit())
    ours = [fn for f in fns for fn in _user_fns(f) if _name(fn).startswith("pipelines.")]
    assert len(ours) >= 10
    try:
        for library in ("cloudpickle", "dill"):
            pickler.set_library(library)
            for fn in ours:
                copy = pickler.loads(pickler.dumps(fn))
                assert type(copy) is type(fn) and _name(copy) == _name(fn)
                if isinstance(fn, GenerateFn):  # the plain data a worker rebuilds its state from
                    assert (copy.backend_spec, copy.cache_path, copy.sampling, copy.task.template_sha256) == (
                        fn.backend_spec, fn.cache_path, fn.sampling, fn.task.template_sha256)
    finally:
        pickler.set_library(pickler.DEFAULT_PICKLE_LIB)
