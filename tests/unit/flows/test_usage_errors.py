"""Every mistake on the command line reads the same as every other: one line starting with `error:`, exit
code 2, no usage box, no traceback; and a preview is never published."""

from __future__ import annotations

import json

import pytest
from support import run_cli


def _one_line(result) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr and "╭" not in result.stderr and "Usage:" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("args, line", [
    (["build"], "error: pipelines build: missing argument 'dataset' (see pipelines build --help)"),
    (["build", "web-demo", "--nope"],
     "error: pipelines build: no such option: --nope (see pipelines build --help)"),
    (["build", "web-demo", "--limit", "0"], "error: pipelines build: invalid value for '--limit'"),
    (["show", "web-demo", "--rejects"], "error: --rejects and --reason show the rejects of a config: give "
                                        "--samples CONFIG"),
    (["nothing"], "error: pipelines: no such command 'nothing'"),
])
def test_usage_mistakes_are_one_line(tmp_path, args, line):
    result = run_cli(*args, env={"PIPELINES_HOME": str(tmp_path / "state"), "PIPELINES_OUT": str(tmp_path)})
    assert _one_line(result).startswith(line)


def test_a_preview_is_never_published(tmp_path):
    folder = tmp_path / "store" / "web-demo" / "preview-0123456789ab"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({
        "dataset": "web-demo", "version": "preview-0123456789ab", "preview": True, "limit": 5, "files": {}}))
    result = run_cli("publish", "web-demo", "--repo", "me/web-demo", "--version", "preview-0123456789ab",
                     "--out", str(tmp_path / "store"), "--to-dir", str(tmp_path / "tree"))
    assert _one_line(result) == ("error: web-demo preview-0123456789ab is a preview (built with --limit 5): "
                                 "build without --limit and publish that version")
    assert not (tmp_path / "tree").exists()
