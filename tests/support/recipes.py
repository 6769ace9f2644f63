"""The tests' recipes: YAML files in tests/data/recipes/, each written where a test builds it.

    path = write_recipe("decontam.yaml", tmp_path, data=DATA / "web-demo", action="mark")

A recipe's per-test values (input paths, the model folder, a server's address) are `${name}`
placeholders, filled here (string.Template: `$$` is a dollar sign); every placeholder must be given.
The copy sits in the test's own folder, so the recipe's relative paths (a benchmark file written
beside it) resolve there.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from support import TESTS

RECIPES = TESTS / "data" / "recipes"


def recipe_text(name: str, /, **values) -> str:
    """The recipe's text with its placeholders filled."""
    return Template((RECIPES / name).read_text()).substitute({k: str(v) for k, v in values.items()})


def write_recipe(name: str, where: Path, filename: str | None = None, /, **values) -> Path:
    """tests/data/recipes/<name> with its placeholders filled, written into `where` (as `filename`)."""
    where.mkdir(parents=True, exist_ok=True)
    path = where / (filename or name)
    path.write_text(recipe_text(name, **values))
    return path
