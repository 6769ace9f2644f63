"""input.limit (records: the first N of each input file), input.sample and input.max_files (files) on any
input; a limited build is a preview of its own that shares no stage with the whole build."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from support import ROOT

from pipelines.errors import RecipeError
from pipelines.inputs import expand
from pipelines.stages.read import InputSpec

DEMO = ROOT / "pipelines" / "recipes" / "data" / "web-demo"
GLOB = str(DEMO / "*.warc.gz")


def _documents(spec: InputSpec, files: list[str], work) -> list:
    work.mkdir(parents=True)
    reader = spec.stage(files).steps(work)[0]
    return list(reader.run(None, 0, 1))


def test_limit_and_sample_apply_to_any_input_and_say_what_they_apply_to():
    spec = InputSpec(paths=[GLOB], limit=3, sample=0.5, seed=1, max_files=1)
    assert (spec.limit, spec.sample, spec.max_files) == (3, 0.5, 1)
    with pytest.raises(ValidationError, match="base applies to the relative lines of a paths_file listing"):
        InputSpec(paths=[GLOB], base="/data")
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        InputSpec(paths=[GLOB], limit=0)


def test_sample_and_max_files_choose_files_of_a_glob():
    every = [f.path for f in expand(InputSpec(paths=[GLOB])).files]
    assert len(every) == 4

    def sample(seed: int) -> tuple[str, ...]:
        try:
            return tuple(f.path for f in expand(InputSpec(paths=[GLOB], sample=0.5, seed=seed)).files)
        except RecipeError as e:  # no file in this seed's half: one line that says so
            assert str(e).startswith("input.sample: none of the 4 files of input.paths is in the sample")
            return ()

    halves = {seed: sample(seed) for seed in range(12)}
    assert halves == {seed: sample(seed) for seed in range(12)}  # deterministic
    assert len(set(halves.values())) > 2  # the seed chooses which share
    for half in halves.values():
        assert list(half) == [p for p in every if p in half]  # a subset, in input order
    assert [f.path for f in expand(InputSpec(paths=[GLOB], max_files=2)).files] == every[:2]


def test_limit_reads_the_first_n_documents_of_each_file(tmp_path):
    files = [f.path for f in expand(InputSpec(paths=[GLOB])).files]
    whole = _documents(InputSpec(paths=[GLOB]), files, tmp_path / "a")
    limited = _documents(InputSpec(paths=[GLOB], limit=2), files, tmp_path / "b")
    per_file = {}
    for doc in whole:
        per_file.setdefault(doc.metadata["source"], []).append(doc.id)
    assert len(per_file) == 4 and all(len(ids) > 2 for ids in per_file.values())
    assert [d.id for d in limited] == [i for ids in per_file.values() for i in ids[:2]]


def test_limit_on_jsonl_records(tmp_path):
    data = tmp_path / "records"
    data.mkdir()
    for n in range(2):
        lines = ["not json", *(json.dumps({"id": f"{n}-{i}", "text": f"record {i}"}) for i in range(5))]
        (data / f"part-{n}.jsonl").write_text("\n".join(lines) + "\n")
    spec = InputSpec(format="jsonl", paths=[str(data / "*.jsonl")], limit=3)
    files = [f.path for f in expand(spec).files]
    assert [d.id for d in _documents(spec, files, tmp_path / "w")] == [
        "0-0", "0-1", "0-2", "1-0", "1-1", "1-2"]  # a bad line is counted, not one of the N


def test_a_limited_build_is_a_preview_with_stages_of_its_own(state, out):
    from pipelines.plan import plan_build

    whole = plan_build("web-demo", [], out)
    preview = plan_build("web-demo", ["input.limit=2"], out, preview=True)
    assert "limit" not in whole.stages[0].spec.fingerprint_params()  # the whole build's stages as before
    assert preview.preview and preview.version == f"preview-{preview.fingerprint[:12]}"
    assert not preview.up_to_date and preview.parent is None
    assert all(a.fingerprint != b.fingerprint for a, b in zip(whole.stages, preview.stages, strict=True))
    assert preview.fingerprint != whole.fingerprint and whole.version == "v1"
    with pytest.raises(RecipeError, match="a preview builds on the first N records of each input"):
        plan_build("web-demo", [], out, preview=True)
