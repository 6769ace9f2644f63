"""Deployments on a real Prefect server on 127.0.0.1: registered with their schedule, triggered, run by
a real process worker and by `serve`, each run writing a new version."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml
from support import BIN, ROOT, free_port, run_cli
from support.pages import DATA
from support.recipes import write_recipe

from pipelines.recipe import builtin_recipes
from pipelines.store import DatasetStore


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`prefect server start` on 127.0.0.1 with its own database; yields its API URL."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(home), "PREFECT_MEMO_STORE_PATH": str(home / "memo_store.toml"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_UI_ENABLED": "false"}
    log = open(home / "server.log", "w")
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).json() is True:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, (home / "server.log").read_text()[-3000:]
        time.sleep(1)
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    log.close()


@pytest.fixture
def env(server, tmp_path) -> dict:
    """What a user's shell has: the server's URL, a state folder and a store root of its own."""
    return {"PREFECT_API_URL": server, "PIPELINES_HOME": str(tmp_path / "state"),
            "PIPELINES_OUT": str(tmp_path / "out")}


def api(server: str, method: str, path: str, **kwargs):
    response = httpx.request(method, f"{server}{path}", timeout=30, **kwargs)
    response.raise_for_status()
    return response.json()


def wait_for_run(server: str, run_id: str, timeout: float = 420) -> dict:
    deadline = time.monotonic() + timeout
    while (run := api(server, "GET", f"/flow_runs/{run_id}"))["state"]["type"] not in (
            "COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
        assert time.monotonic() < deadline, f"flow run still {run['state']['type']}"
        time.sleep(2)
    return run


def test_deploy_on_a_work_pool_and_a_worker_runs_it(server, env, tmp_path):
    out = Path(env["PIPELINES_OUT"])
    assert run_cli("build", "web-demo", env=env).returncode == 0  # v1, built by hand
    deployed = run_cli("deploy", "web-demo", "--cron", "0 3 * * *", "--timezone", "Europe/Paris",
                       "--work-pool", "nightly-pool", "--set", "stages.langid.min_score=0.7", env=env)
    assert deployed.returncode == 0, deployed.stderr
    assert "prefect worker start --pool nightly-pool" in deployed.stderr

    # What the server holds: the schedule, the recipe's parameters, the pool (created as a process pool).
    deployment = api(server, "GET", "/deployments/name/build-dataset/web-demo")
    assert deployment["id"] == deployed.stdout.strip()
    [schedule] = deployment["schedules"]
    assert schedule["active"] and schedule["schedule"]["cron"] == "0 3 * * *"
    assert schedule["schedule"]["timezone"] == "Europe/Paris"
    assert deployment["parameters"] == {"recipe": "web-demo", "overrides": ["stages.langid.min_score=0.7"],
                                        "out": None}
    assert deployment["work_pool_name"] == "nightly-pool"
    assert api(server, "GET", "/work_pools/nightly-pool")["type"] == "process"
    assert deployment["global_concurrency_limit"]["limit"] == 1
    assert deployment["job_variables"]["env"] == {k: env[k] for k in ("PIPELINES_HOME", "PIPELINES_OUT")}
    # Prefect's scheduler has planned the next runs from the cron.
    deadline = time.monotonic() + 150
    while not (scheduled := api(server, "POST", "/flow_runs/filter", json={
            "deployments": {"id": {"any_": [deployment["id"]]}},
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}})):
        assert time.monotonic() < deadline, "the scheduler made no runs"
        time.sleep(2)
    # 03:00 in Paris is 02:00 UTC in winter, 01:00 in summer.
    assert scheduled and all(r["expected_start_time"][11:16] in ("02:00", "01:00") for r in scheduled)

    run = api(server, "POST", f"/deployments/{deployment['id']}/create_flow_run", json={})
    worker = subprocess.run([str(BIN / "prefect"), "worker", "start", "--pool", "nightly-pool", "--run-once"],
                            env=os.environ | env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    finished = wait_for_run(server, run["id"])
    assert finished["state"]["type"] == "COMPLETED", worker.stdout[-3000:] + worker.stderr[-3000:]
    assert finished["name"] == "web-demo-v2"
    store = DatasetStore(out, "web-demo")
    assert store.versions() == ["v1", "v2"]
    manifest = store.manifest("v2")
    assert manifest["parent"] == "v1" and manifest["overrides"] == ["stages.langid.min_score=0.7"]


def test_deploy_served_by_this_process(server, env, tmp_path):
    recipe = write_recipe("served-demo.yaml", tmp_path, "served.yaml", data=DATA)
    command = [str(BIN / "pipelines"), "deploy", str(recipe), "--cron", "*/10 * * * *"]
    serving = subprocess.Popen(command, env=os.environ | env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                deployment = api(server, "GET", "/deployments/name/build-dataset/served-demo")
                break
            except httpx.HTTPStatusError:
                assert serving.poll() is None and time.monotonic() < deadline, serving.communicate()[1]
                time.sleep(1)
        assert deployment["schedules"][0]["schedule"]["cron"] == "*/10 * * * *"
        assert deployment["parameters"]["recipe"] == str(recipe)
        assert deployment["work_pool_name"] is None  # served, not on a pool
        run = api(server, "POST", f"/deployments/{deployment['id']}/create_flow_run", json={})
        finished = wait_for_run(server, run["id"])
        assert finished["state"]["type"] == "COMPLETED"
        assert DatasetStore(Path(env["PIPELINES_OUT"]), "served-demo").versions() == ["v1"]
    finally:
        serving.send_signal(signal.SIGINT)
        try:
            serving.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            serving.kill()


def test_infra_prefect_yaml_describes_the_same_deployments(server, env):
    config = yaml.safe_load((ROOT / "infra" / "prefect.yaml").read_text())
    names = [d["name"] for d in config["deployments"]]
    assert set(names) <= set(builtin_recipes())
    # As the file's header says: the pool, then the deployments.
    pool = subprocess.run([str(BIN / "prefect"), "work-pool", "create", "pipelines", "--type", "process"],
                          capture_output=True, text=True, env=os.environ | env, timeout=120)
    assert pool.returncode == 0, pool.stdout + pool.stderr
    command = [str(BIN / "prefect"), "--no-prompt", "deploy", "--all", "--prefect-file", "infra/prefect.yaml"]
    deployed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                              env=os.environ | env | {"PIPELINES_SOURCE": str(ROOT)})
    assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
    fields = ("entrypoint", "parameters", "work_pool_name", "tags", "description")

    def summary(name: str) -> dict:
        d = api(server, "GET", f"/deployments/name/build-dataset/{name}")
        return {**{k: d[k] for k in fields}, "limit": d["global_concurrency_limit"]["limit"],
                "schedules": [(s["schedule"]["cron"], s["schedule"]["timezone"]) for s in d["schedules"]],
                "pull_steps": d["pull_steps"]}

    for name in names:
        from_yaml = summary(name)
        made = run_cli("deploy", name, "--cron", "0 3 * * *", "--work-pool", "pipelines", env=env)
        assert made.returncode == 0, made.stderr
        assert summary(name) == from_yaml


@pytest.mark.parametrize(("args", "message"), [
    (["--cron", "0 3 * *"], "--cron '0 3 * *' is not a valid cron string"),
    (["--cron", "61 * * * *"], "--cron '61 * * * *' is not a valid cron string"),
    (["--cron", "0 3 * * *", "--timezone", "Mars/Olympus"],
     "--timezone 'Mars/Olympus' is not an IANA time zone"),
    (["--cron", "0 3 * * *", "--set", "stages.langid.min_score=2"], "stages.1.min_score"),
])
def test_bad_deployments_are_one_line_errors(server, env, args, message):
    result = run_cli("deploy", "web-demo", *args, "--work-pool", "never-made", env=env)
    assert result.returncode == 2 and result.stderr.startswith("error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1
    assert httpx.get(f"{server}/work_pools/never-made").status_code == 404  # nothing was registered
