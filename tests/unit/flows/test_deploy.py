"""Deployments without a server: the command says how to start one, and a home on object storage goes to
the runs as it is."""

from __future__ import annotations

from pathlib import Path

from support import run_cli


def test_deploy_without_a_server_says_how_to_start_one(tmp_path):
    result = run_cli("deploy", "web-demo", "--cron", "0 3 * * *", env={"PIPELINES_HOME": str(tmp_path)},
                     fresh=True)
    assert result.returncode == 2 and "deploy needs a Prefect server" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_home_on_object_storage_goes_to_the_runs_as_it_is(monkeypatch, tmp_path):
    from flows.deploy import deploy_spec

    monkeypatch.setenv("PIPELINES_HOME", "s3://bucket/home")
    monkeypatch.setenv("PIPELINES_OUT", str(tmp_path / "out"))
    assert deploy_spec("web-demo", "0 3 * * *").env == {"PIPELINES_HOME": "s3://bucket/home",
                                                        "PIPELINES_OUT": str(tmp_path / "out")}
    monkeypatch.setenv("PIPELINES_HOME", "state")  # a folder: made absolute, the runs start elsewhere
    assert deploy_spec("web-demo", "0 3 * * *").env["PIPELINES_HOME"] == str(Path("state").absolute())
