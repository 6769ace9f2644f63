"""Stage recipes over the demo crawl, and a contributor's edit of one module as a stage's code version sees
it: what the stage registry's tests build and plan with."""

from __future__ import annotations

from pathlib import Path

import yaml

from support.pages import DATA

WEB_DEMO = DATA / "web-demo"


def toy_recipe(tmp_path: Path, stages: list[dict], name: str = "toy") -> Path:
    """A recipe of `stages` over the demo crawl, 2 tasks on 1 worker, written into `tmp_path`."""
    recipe = {"name": name, "input": {"format": "warc", "paths": [str(WEB_DEMO / "*.warc.gz")]},
              "executor": {"kind": "local", "tasks": 2, "workers": 1}, "stages": stages}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def edited(target: str):
    """read_source with one module's source edited (a comment added), as a contributor would."""
    from pipelines import code_version

    original = code_version.read_source

    def source(name: str) -> str:
        return original(name) + ("\n# edited\n" if name == target else "")

    return source
