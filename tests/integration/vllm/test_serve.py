"""`pipelines serve` as a user runs it: the tiny model folder on vLLM's OpenAI server, a chat completion,
Ctrl-C, exit 0, the port free and no server left; and one-line errors before anything starts."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
from support import BIN, free_port, run_cli


def servers_on(port: int) -> list[int]:
    """Processes whose command line names the port: the server and nothing else."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--port" in args and str(port).encode() in args and proc.name.isdigit():
            found.append(int(proc.name))
    return found


def port_free(port: int) -> bool:
    """As a new server would find it: SO_REUSEADDR, so that closed connections waiting out TIME_WAIT do not
    count."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_serve_a_model_folder_answers_and_stops_on_ctrl_c(tiny_model, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log = tmp_path / "serve.log"
    with open(log, "w") as err:
        proc = subprocess.Popen([str(BIN / "pipelines"), "serve", str(tiny_model), "--port", str(port),
                                 "--name", "tiny"], stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        deadline = time.monotonic() + 600
        while not select.select([proc.stdout], [], [], 1)[0]:
            assert proc.poll() is None, f"pipelines serve exited with {proc.returncode}: see {log}"
            assert time.monotonic() < deadline, f"pipelines serve did not serve in 600 s: see {log}"
        assert proc.stdout.readline().strip() == url  # what a recipe's base_url names
        said = log.read_text()
        assert f"Serving tiny ({tiny_model}) at {url} on CPU" in said
        assert f"backend: openai, base_url: {url}, model: tiny" in said
        [model] = httpx.get(f"{url}/models", timeout=10).json()["data"]
        assert (model["id"], model["root"], model["max_model_len"]) == ("tiny", str(tiny_model), 2048)
        answer = httpx.post(f"{url}/chat/completions", timeout=120, json={
            "model": "tiny", "messages": [{"role": "user", "content": "Say something."}], "max_tokens": 8,
            "seed": 0}).json()
        assert answer["choices"][0]["message"]["content"] and answer["usage"]["completion_tokens"] <= 8
        assert servers_on(port)

        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(timeout=120) == 0
        assert "Stopping tiny" in log.read_text()
        assert servers_on(port) == [] and port_free(port)  # the server and its engine are gone
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in servers_on(port):
            os.killpg(pid, signal.SIGKILL)


def test_a_model_that_does_not_exist_is_one_line(tmp_path):
    result = run_cli("serve", str(tmp_path / "no-such-model"))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: serve: no model {tmp_path / 'no-such-model'}: give a built-in "
                                     "(smollm2-135m-instruct), a model folder or a Hub id (org/name)")
    (tmp_path / "empty").mkdir()
    result = run_cli("serve", str(tmp_path / "empty"))
    empty = tmp_path / "empty"
    assert result.stderr.strip() == f"error: serve: {empty} is not a model folder (no config.json)"


def test_a_port_in_use_is_one_line(tiny_model):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", str(tiny_model), "--port", str(port))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: serve: cannot listen on 127.0.0.1:{port} (Address already in "
                                     "use): give another --port or --host")


def test_the_engine_flags_follow_the_machine():
    from flows.serve import vllm_command

    cpu = vllm_command("/m", "m", "127.0.0.1", 8000, cpu=True)
    gpu = vllm_command("org/m", "org/m", "0.0.0.0", 8000, cpu=False, extra=["--tensor-parallel-size", "2"])
    flags = lambda command: dict(zip(command, command[1:], strict=False))  # noqa: E731
    assert flags(cpu)["--dtype"] == "bfloat16" and flags(cpu)["--max-model-len"] == "2048"
    assert flags(cpu)["--gpu-memory-utilization"] == "0.3" and "--enforce-eager" in cpu
    # A GPU server takes vLLM's defaults and the model's own context; flags after the model go to vLLM.
    assert not {"--dtype", "--max-model-len", "--gpu-memory-utilization", "--enforce-eager"} & set(gpu)
    assert gpu[-2:] == ["--tensor-parallel-size", "2"] and flags(gpu)["--served-model-name"] == "org/m"
    for command in (cpu, gpu):
        assert command[1:3] == ["-m", "vllm.entrypoints.launchers.api_server.entry"]  # not the `vllm` command
        assert "--enable-prefix-caching" in command and "--no-enable-chunked-prefill" in command
