"""The console of `pipelines build` as a user sees it: for `make demo`'s recipe (the real SmolLM2), stdout is
the version's path alone and stderr our own lines, none wider than 80 columns; a preview (`--limit`) is a
version of its own that the whole build does not reuse; `--dry-run` builds nothing; `show --samples` and
`--rejects` read a version's rows."""

from __future__ import annotations

import json
import re

import pytest
from support import run_cli
from support.demo import built_demo

# Every line we print on stderr: the header, the log's path, the display's lines (plain: a group's end or
# its progress), and the compact funnel (its title, header, a row a stage, its drop reasons wrapped).
OURS = re.compile(
    r"^(Building \S+ \S+: \d+ input files?, \d+ stages"
    r"|log: \S+\.log"
    r"|[✓…] \S+  .+"
    r"|\S+ v\d+: [\d,]+ rows"
    r"|stage +in +out +time"
    r"|\S+ +[\d,]+ +[\d,]+ +(\d+\.\d s|cached)"
    r"|  dropped [\d,]+: .+"
    r"|    \S.*)$")
# What other libraries print, which must be in the log file only.
THEIRS = ("INFO", "WARNING", "Warning", "vllm", "VLLM", "Prefect", "prefect", "it/s", "Traceback",
          "Loading", "torch", "EngineCore", "Flow run", "Task run")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    return built_demo(tmp_path_factory)


@pytest.mark.slow
def test_the_demo_console_is_ours_and_fits_80_columns(demo):
    assert demo["returncode"] == 0, demo["stderr"][-3000:]
    assert demo["stdout"] == f"{demo['path']}\n"  # `V=$(pipelines build synth-demo)` gets the path
    lines = demo["stderr"].splitlines()
    assert re.fullmatch(r"Building synth-demo v1: 4 input files, \d+ stages", lines[0])
    for line in lines:
        assert len(line) <= 80, line
        assert OURS.match(line), line
        assert not any(word in line for word in THEIRS), line
    assert any(line.startswith("✓ synthesize-qa  ") and "prompts" in line for line in lines)
    # Nothing is lost: the engines' lines are in the log, whose path was printed once.
    log = demo["base"] / lines[1].removeprefix("log: ")
    text = log.read_text()
    assert "Converting and de-quantizing GGUF tensors" in text  # transformers' progress bar, for one
    assert "torch_dtype" in text and "torch_dtype" not in demo["stderr"]


@pytest.mark.slow
def test_show_prints_a_configs_rows_and_its_rejects(demo):
    env = {**demo["env"], "PIPELINES_OUT": str(demo["base"] / "out")}
    shown = run_cli("show", "synth-demo", "--version", "v1", "--samples", "math", "-n", "2", env=env)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert [re.match(r"── math (\d+) of ", line)[1] for line in lines if line.startswith("──")] == ["1", "2"]
    math = json.loads((demo["path"] / "manifest.json").read_text())["configs"]["math"]
    assert lines[0].startswith(f"── math 1 of {math['rows']:,} · ")
    assert any(line.startswith("answer: ") for line in lines)
    assert any(line.startswith("solution") for line in lines)
    # What the model wrote that was not kept, and why: the version's rejects of the config, of one reason.
    rejects = run_cli("show", "synth-demo", "--version", "v1", "--samples", "math", "--rejects", "--reason",
                      "wrong_answer", "-n", "2", env=env)
    assert rejects.returncode == 0, rejects.stderr
    lines = rejects.stdout.splitlines()
    assert lines[0].startswith("rejects of math: ") and "wrong_answer" in lines[0]
    assert all(len(line) <= 80 for line in lines)
    titles = [line for line in lines if line.startswith("── ")]
    assert len(titles) == 2 and all(t.startswith("── wrong_answer ") for t in titles)
    assert any(line.startswith("✗ ") for line in lines) and any(line.startswith("output") for line in lines)


@pytest.fixture(scope="module")
def previews(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("previews")
    env = {"PIPELINES_HOME": str(base / "state"), "PIPELINES_OUT": str(base / "out"), "COLUMNS": "80"}
    return {"base": base, "env": env,
            "dry": run_cli("build", "web-demo", "--dry-run", env=env, cwd=base),
            "preview": run_cli("build", "web-demo", "--limit", "2", env=env, cwd=base),
            "whole": run_cli("build", "web-demo", env=env, cwd=base),
            "dry_after": run_cli("build", "web-demo", "--dry-run", env=env, cwd=base)}


def test_dry_run_prints_the_plan_and_builds_nothing(previews):
    dry = previews["dry"]
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0] == "web-demo: would write v1; 4 input files (0.0 MB), 3 stages: 0 cached, 3 to run"
    assert [line.split() for line in lines[1:]] == [["0", "read", "to", "run"], ["1", "extract", "to", "run"],
                                                    ["2", "langid", "to", "run"]]
    after = previews["dry_after"].stdout.splitlines()
    assert after[0] == "web-demo: up to date; 4 input files (0.0 MB), 3 stages: 3 cached, 0 to run"


def test_a_preview_is_a_version_of_its_own_on_n_records_of_each_file(previews):
    base, env, preview = previews["base"], previews["env"], previews["preview"]
    assert preview.returncode == 0, preview.stderr
    path = preview.stdout.strip()
    assert re.fullmatch(rf"{base}/out/web-demo/preview-[0-9a-f]{{12}}", path)
    assert preview.stderr.splitlines()[0].startswith("Building web-demo preview-")
    manifest = json.loads((base / "out" / "web-demo" / path.rsplit("/", 1)[1] / "manifest.json").read_text())
    assert manifest["preview"] is True and manifest["limit"] == 2 and manifest["parent"] is None
    read = manifest["stages"][0]
    assert read["out"] == 2 * 4  # the first 2 pages of each of the 4 WARCs
    card = (base / "out" / "web-demo" / manifest["version"] / "README.md").read_text()
    assert "> **Preview:** built by `pipelines build --limit 2`" in card
    shown = run_cli("show", "web-demo", "--version", manifest["version"], env=env)
    assert shown.returncode == 0 and "preview of --limit 2" in shown.stdout
    # The whole build shares no stage with the preview: its read stage ran on every record.
    whole = json.loads((base / "out" / "web-demo" / "v1" / "manifest.json").read_text())
    assert previews["whole"].stdout.strip() == f"{base}/out/web-demo/v1"
    assert not any(s["cached"] for s in whole["stages"]) and whole["stages"][0]["out"] == 24
    assert "preview" not in whole
    again = run_cli("build", "web-demo", "--limit", "2", env=env, cwd=base)
    assert again.stdout == preview.stdout and "is up to date: nothing to build." in again.stderr
