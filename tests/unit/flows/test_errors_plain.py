"""A user's mistake is one plain line on stderr and exit code 2: brackets in the message survive (no rich
markup), and a PREFECT_API_URL no server answers at is said before any work starts, not in tracebacks."""

from __future__ import annotations

import re

import pytest
from support import ROOT, free_port, run_cli
from support.recipes import write_recipe

WARCS = ROOT / "pipelines" / "recipes" / "data" / "web-demo" / "*.warc.gz"


def _env(tmp_path, **extra) -> dict:
    return {"HOME": str(tmp_path), "PIPELINES_HOME": str(tmp_path / "state"),
            "PIPELINES_OUT": str(tmp_path / "out"), **extra}


def _one_line(result) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("command", [["build"], ["deploy", "--cron", "0 3 * * *"]])
def test_a_bad_name_shows_the_whole_pattern_with_its_brackets(tmp_path, command):
    recipe = write_recipe("bad-name.yaml", tmp_path, "bad.yaml", warcs=WARCS)
    line = _one_line(run_cli(command[0], str(recipe), *command[1:], env=_env(tmp_path), fresh=True))
    assert str(recipe) in line and "'Bad Name!'" in line
    # The pattern as pydantic states it, character classes and all (markup used to eat "[...]").
    assert re.search(r"should match pattern '\^\[[^\]']+\]\[[^\]']+\]\*\$'", line), line


def test_build_with_no_server_at_prefect_api_url_is_one_line(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/api"
    result = run_cli("build", "web-demo", env=_env(tmp_path, PREFECT_API_URL=url), fresh=True, timeout=120)
    line = _one_line(result)
    assert f"PREFECT_API_URL {url}: no Prefect server answers (connection refused)" in line
    assert "prefect server start" in line and "unset PREFECT_API_URL" in line
    assert not (tmp_path / "out").exists()  # nothing was built


def test_deploy_with_no_server_never_prints_credentials(tmp_path):
    url = f"http://someone:hunter2@127.0.0.1:{free_port()}/api?token=s3cret"
    result = run_cli("deploy", "web-demo", "--cron", "0 3 * * *", "--work-pool", "never-made",
                     env=_env(tmp_path, PREFECT_API_URL=url), fresh=True, timeout=120)
    line = _one_line(result)
    assert "PREFECT_API_URL http://***@127.0.0.1:" in line and "/api?token=***:" in line
    assert "no Prefect server answers (connection refused)" in line
    assert "hunter2" not in result.stderr and "s3cret" not in result.stderr and "someone" not in result.stderr
