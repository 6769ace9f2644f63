"""Builds in this process, as `pipelines build` runs them: the build flow on Prefect's temporary API."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


@contextlib.contextmanager
def pipelines_home(path: Path):
    """PIPELINES_HOME set to `path` for the block (the state folder: stage cache, generations)."""
    old = os.environ.get("PIPELINES_HOME")
    os.environ["PIPELINES_HOME"] = str(path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PIPELINES_HOME")
        else:
            os.environ["PIPELINES_HOME"] = old


def build(state: Path, out: Path, *overrides: str, recipe: str = "web-demo"):
    """Run the build flow in-process; returns (result, flow run id)."""
    from flows.build import build_flow

    with pipelines_home(state):
        flow_state = build_flow(recipe=recipe, overrides=list(overrides), out=str(out),
                                return_state=True)
    return flow_state.result(), flow_state.state_details.flow_run_id
