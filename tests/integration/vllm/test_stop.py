"""A stop that stops, through the CLI with a real engine loaded (the tiny model on vLLM): SIGTERM, and
Ctrl-C on a terminal (SIGINT to the whole foreground group), mid-generation end the build within seconds
with one line, no version and no process left; the terminal's display was redrawn in place; and the same
command again resumes: the chunks finished before are not generated again."""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest
from support import BIN

pytestmark = pytest.mark.slow
PROMPTS, CHUNK = 1024, 32  # 32 chunks of short answers: a stop lands mid-generation
RECIPE = """\
name: stop-test
input: {{format: jsonl, paths: [prompts.jsonl], text_fields: [question]}}
executor: {{kind: local, tasks: 1, workers: 1}}
stages:
  - type: synthesize
    task: generate
    config: answers
    prompts: prompts.jsonl
    prompt: "Answer briefly: {{{{ question }}}}"
    schema: {{type: object, properties: {{answer: {{type: string, maxLength: 8}}}}, required: [answer]}}
    inputs: [question]
    model: {model}
    sampling: {{n: 1, seed: 5, max_tokens: 16, temperature: 1.0}}
    chunk_size: {chunk}
"""
LINE = re.compile(r"^stopped \((SIGTERM|SIGINT)\): 1 of 2 stages finished; synthesize-answers at "
                  r"[\d,]+/1,024 prompts; no version written\. Run the same command again to resume from "
                  r"there\.$")


def _done_chunks(state: Path) -> int:
    return len(list(state.glob("stages/*.partial/generated-*/done-*")))


def _session(sid: int) -> list[int]:
    """The processes of a session (the build and everything it started), zombies aside."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[3]) == sid and stat[0] != "Z":
            found.append(int(proc.name))
    return found


def _stop_mid_generation(proc: subprocess.Popen, state: Path, send) -> float:
    """Wait until the build has generated a chunk more than it had, stop it; the seconds it took to end."""
    before = _done_chunks(state)
    deadline = time.monotonic() + 900
    while _done_chunks(state) <= before:
        assert proc.poll() is None, "the build ended before it was stopped"
        assert time.monotonic() < deadline, "no chunk was generated"
        time.sleep(0.05)
    assert _done_chunks(state) < PROMPTS // CHUNK  # mid-generation
    send()
    stopped = time.monotonic()
    proc.wait(timeout=60)
    return time.monotonic() - stopped


def _left(sid: int) -> list[int]:
    for _ in range(50):  # the exit is not instant for the kernel either
        if not _session(sid):
            return []
        time.sleep(0.1)
    return _session(sid)


@pytest.fixture(scope="module")
def build(tmp_path_factory, tiny_model) -> dict:
    """The recipe, its prompts and the command; each fixture below is one run of it, in order."""
    base = tmp_path_factory.mktemp("stop")
    with open(base / "prompts.jsonl", "w") as f:
        for i in range(PROMPTS):
            f.write(json.dumps({"id": f"p{i:04d}", "question": f"What is {i} plus {i % 7}?"}) + "\n")
    (base / "stop.yaml").write_text(RECIPE.format(model=tiny_model, chunk=CHUNK))
    env = {**os.environ, "PIPELINES_HOME": str(base / "state"), "COLUMNS": "80"}
    return {"base": base, "state": base / "state", "env": env,
            "command": [str(BIN / "pipelines"), "build", "stop.yaml", "--out", str(base / "out")]}


@pytest.fixture(scope="module")
def term(build) -> dict:
    """SIGTERM, as a scheduler or `kill` sends it; stdout and stderr are pipes."""
    proc = subprocess.Popen(build["command"], env=build["env"], cwd=build["base"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    seconds = _stop_mid_generation(proc, build["state"], lambda: proc.send_signal(signal.SIGTERM))
    out, err = proc.communicate()
    return {"code": proc.returncode, "out": out, "err": err, "seconds": seconds, "left": _left(proc.pid),
            "chunks": _done_chunks(build["state"])}


@pytest.fixture(scope="module")
def intr(build, term) -> dict:
    """Ctrl-C on a terminal: SIGINT to the foreground process group, the engine's processes with it."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in build["env"].items() if k != "COLUMNS"} | {"TERM": "xterm-256color"}
    proc = subprocess.Popen(build["command"], env=env, cwd=build["base"], stdin=slave, stdout=subprocess.PIPE,
                            stderr=slave, start_new_session=True)
    os.close(slave)
    screen = bytearray()

    def read_terminal() -> None:
        while True:
            try:
                data = os.read(master, 1 << 16)
            except OSError:  # the terminal's other end closed: the build ended
                return
            if not data:
                return
            screen.extend(data)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    seconds = _stop_mid_generation(proc, build["state"], lambda: os.killpg(proc.pid, signal.SIGINT))
    out = proc.stdout.read().decode()
    reader.join(timeout=10)
    os.close(master)
    return {"code": proc.returncode, "out": out, "screen": screen.decode(errors="replace"),
            "seconds": seconds, "left": _left(proc.pid), "chunks": _done_chunks(build["state"])}


@pytest.fixture(scope="module")
def final(build, intr) -> subprocess.CompletedProcess:
    """The same command again, to the end."""
    return subprocess.run(build["command"], env=build["env"], cwd=build["base"], capture_output=True,
                          text=True, timeout=900)


def test_sigterm_mid_generation_ends_the_build_within_seconds(build, term):
    assert term["code"] == 143, term["err"]
    assert term["out"] == ""  # no version: no path
    last = term["err"].splitlines()[-1]
    assert LINE.match(last) and "SIGTERM" in last, term["err"]
    assert term["seconds"] < 20 and term["left"] == []  # the engine core, its worker, Prefect's server: gone
    versions = build["base"] / "out" / "stop-test"
    assert not versions.exists() or not any(p.name.startswith("v") for p in versions.iterdir())
    log = next((build["state"] / "logs").glob("stop-*.log")).read_text()
    assert "BuildStopped: SIGTERM" in log and "Retry" not in log  # a stop is not a failure to retry


def test_ctrl_c_on_a_terminal_ends_it_too_after_a_display_redrawn_in_place(intr):
    assert intr["code"] == 130, intr["screen"][-2000:]
    assert intr["out"] == "" and intr["seconds"] < 20 and intr["left"] == []
    screen = intr["screen"]
    assert screen.count("\x1b[2K") > 5  # the display's lines erased and drawn again, in place
    assert "synthesize-answers" in screen and "… synthesize-answers" not in screen  # no plain lines
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen).replace("\r", "")  # the terminal's codes aside
    last = text.strip().splitlines()[-1]
    assert LINE.match(last) and "SIGINT" in last, last


def test_the_same_command_again_resumes_and_generates_nothing_twice(build, term, intr, final):
    base = build["base"]
    assert final.returncode == 0, final.stderr[-2000:]
    assert final.stdout == f"{base}/out/stop-test/v1\n"
    manifest = json.loads((base / "out" / "stop-test" / "v1" / "manifest.json").read_text())
    synth = manifest["stages"][1]["synth"]
    # Each prompt generated once over the three runs: the chunks finished before the stops were read back
    # (their markers), not generated again nor even looked up in the generation cache.
    assert synth["generated_prompts"] + synth["cached_prompts"] == PROMPTS
    assert synth["cached_prompts"] <= CHUNK  # at most a chunk generated just before a stop, unmarked
    stage = base / "state" / "stages" / manifest["stages"][1]["fingerprint"]
    progress = json.loads(next(stage.glob("generated-*/progress-00000.json")).read_text())
    assert progress["chunks_resumed"] >= intr["chunks"] > term["chunks"] > 0
