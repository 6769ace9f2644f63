"""The `pipelines` command as a user runs it: a first build on a fresh machine, list, show."""

from __future__ import annotations

import pytest
from support import run_cli


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    # A fresh machine: no Prefect settings, no Prefect database, an empty home folder.
    env = {"HOME": str(base / "home"), "PIPELINES_HOME": str(base / "state"),
           "PIPELINES_OUT": str(base / "out")}
    (base / "home").mkdir()
    result = run_cli("build", "web-demo", env=env, fresh=True)
    return base, env, result


def test_first_build_on_a_fresh_machine_uses_prefects_temporary_api(built):
    base, _, result = built
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(base / "out" / "web-demo" / "v1")
    # Prefect's own lines are in the build's log, whose path is printed once (docs/console.md).
    log = next(line for line in result.stderr.splitlines() if line.startswith("log: ")).removeprefix("log: ")
    text = (base / "state" / "logs" / log.rsplit("/", 1)[1]).read_text()
    assert "Starting temporary server on http://127.0.0.1" in text and "Flow run 'web-demo-v1'" in text
    assert "Starting temporary" not in result.stderr
    # Prefect's home is inside the project's state folder, not the user's.
    assert (base / "state" / "prefect" / "prefect.db").is_file()
    assert not (base / "home" / ".prefect").exists()


def test_build_shows_progress_and_the_funnel(built):
    stderr = built[2].stderr
    # The three stages run as one datatrove pass: one line of the display.
    assert any(line.startswith("✓ read+extract+langid  4/4 tasks") for line in stderr.splitlines())
    assert "web-demo v1:" in stderr and "other_language" in stderr


def test_list_shows_builtin_recipes_and_built_datasets(built):
    base, env, _ = built
    result = run_cli("list", env=env)
    assert result.returncode == 0, result.stderr
    assert "web-demo" in result.stdout.split("Built datasets")[0]
    built_part = result.stdout.split("Built datasets")[1]
    assert "web-demo" in built_part and "v1" in built_part


def test_show_prints_the_stage_funnel(built):
    base, env, _ = built
    result = run_cli("show", "web-demo", "--version", "v1", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    read = next(line for line in lines if line.split("│")[1:2] == [" read    "])
    assert "29" in read and "24" in read and "not_a_response 4" in read and "not_html 1" in read
    assert any("langid" in line and "other_language" in line for line in lines)
    assert "words out" in result.stdout and "words dropped (by reason)" in result.stdout
    assert f"path: {base / 'out' / 'web-demo' / 'v1'}" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["show", "web-demo", "--version", "v9"], "dataset 'web-demo' has no version 'v9'"),
    (["show", "nothing-here"], "dataset 'nothing-here' has no built version"),
    (["build", "no-such-recipe"], "no recipe 'no-such-recipe'"),
    (["build", "web-demo", "--set", "input.paths=/nowhere/*.warc.gz"],
     "input.paths: no file matches '/nowhere/*.warc.gz'"),
])
def test_user_mistakes_are_one_line_errors(built, args, message):
    result = run_cli(*args, env=built[1])
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"error: {result.stderr.strip()[7:]}"]
    assert message in result.stderr and "Traceback" not in result.stderr
