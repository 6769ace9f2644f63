"""The web-quality recipe (datatrove's heuristic filters and a quality classifier) builds with the network
unreachable: nothing is fetched."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support import BIN
from support.quality_model import train_small_model


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare for a network namespace")
def test_web_quality_builds_with_the_network_unreachable(tmp_path):
    # A new network namespace: only a loopback (for Prefect's temporary API), no route anywhere.
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {probe.stderr.decode().strip()}")
    env = {**os.environ, "PIPELINES_HOME": str(tmp_path / "state")}
    model = train_small_model(tmp_path / "model")
    script = (f"ip link set lo up && {BIN / 'pipelines'} build web-quality --out {tmp_path / 'out'} "
              f"--set stages.quality.model={model}")
    result = subprocess.run(["unshare", "-rn", "sh", "-c", script], capture_output=True, text=True,
                            env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((Path(result.stdout.strip()) / "manifest.json").read_text())
    assert [s["name"] for s in manifest["stages"]] == [
        "read", "url_filter", "extract", "langid", "gopher_repetition", "gopher_quality",
        "c4_quality", "fineweb_quality", "quality"]
    dropped = manifest["dropped"]
    assert dropped["url_filter:domain"] == 1
    assert dropped["gopher_repetition:dup_line_frac"] >= 1
    assert any(k.startswith("gopher_quality:gopher_") for k in dropped)
    assert manifest["rows"] == manifest["stages"][-1]["out"] > 0
