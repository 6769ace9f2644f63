"""The stage types a recipe can name: every Stage class in a module of this package, and in plugin modules.

A new stage type is one file here (pipelines/stages/<type>.py) with one Stage subclass; a package of
one's own adds its modules to the entry-point group `pipelines.stages`, or names them (comma-separated)
in $PIPELINES_STAGES.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import pkgutil
from typing import Annotated, Literal, Union, get_args, get_origin

from pydantic import Field

from pipelines.stages.base import BarrierStage, Spec, Stage, StageContext, StreamingStage, VersionContext

# What stage modules share, not stages of their own.
_SHARED = ("base", "dedup", "filters", "records", "synthetic")


def stage_type(cls: type) -> str | None:
    """The `type` a Stage class answers to in a recipe, if it declares one (a Literal)."""
    annotation = cls.model_fields["type"].annotation
    return get_args(annotation)[0] if get_origin(annotation) is Literal else None


def _stage_modules() -> list[str]:
    modules = [f"{__name__}.{m.name}" for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
               if m.name not in _SHARED]
    modules += [ep.value for ep in importlib.metadata.entry_points(group="pipelines.stages")]
    modules += [m.strip() for m in os.environ.get("PIPELINES_STAGES", "").split(",") if m.strip()]
    return modules


def _discover() -> dict[str, type[Stage]]:
    found: dict[str, type[Stage]] = {}
    for name in _stage_modules():
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Stage) and obj.__module__ == module.__name__:
                kind = stage_type(obj)
                if kind is None:
                    continue
                if not issubclass(obj, (StreamingStage, BarrierStage)):
                    raise TypeError(f"stage type {kind!r} ({obj.__module__}) derives from Stage: make it a "
                                    "StreamingStage (datatrove steps) or a BarrierStage (run)")
                if kind in found and found[kind] is not obj:
                    raise TypeError(f"stage type {kind!r} is defined twice: in {found[kind].__module__} "
                                    f"and {obj.__module__}")
                found[kind] = obj
    return found


STAGES: dict[str, type[Stage]] = _discover()
# The types a recipe's `stages:` may name (the read stage is its `input:`).
RECIPE_STAGES: dict[str, type[Stage]] = {k: c for k, c in STAGES.items() if getattr(c, "in_recipe", True)}
STAGE_TYPES = tuple(RECIPE_STAGES)
RecipeStage = Annotated[Union[tuple(RECIPE_STAGES.values())], Field(discriminator="type")]  # noqa: UP007


def stage_class(kind: str) -> type[Stage]:
    """The class of a stage type; the bare Stage for one no longer known (a manifest of another version)."""
    return STAGES.get(kind, Stage)


__all__ = ["RECIPE_STAGES", "STAGES", "STAGE_TYPES", "BarrierStage", "RecipeStage", "Spec", "Stage",
           "StageContext", "StreamingStage", "VersionContext", "stage_class"]
