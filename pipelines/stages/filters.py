"""What the heuristic filter stages share: datatrove's filter, its parameters read from its signature."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, create_model

from pipelines.stages.base import StreamingStage
from pipelines.stages.records import RecordStage

# Where datatrove's annotations are looser or narrower than what YAML gives.
_PARAM_TYPES = {
    "top_n_grams": list[tuple[int, float]],
    "dup_n_grams": list[tuple[int, float]],
    "stop_chars": list[str] | None,
}


class FilterStage(RecordStage, StreamingStage):
    """One of datatrove's heuristic filters; its recipe parameters and defaults are the filter's own."""

    # datatrove's defaults are tuples; validating them gives the declared (YAML-shaped) types.
    model_config = ConfigDict(extra="forbid", validate_default=True)
    filter_class: ClassVar[type]  # the step it runs
    params_class: ClassVar[type]  # whose signature its parameters are
    libraries = ("spacy", "tldextract")  # datatrove's word tokenizer and domain parser, not imported here

    def steps(self, work: Path | str) -> list:
        return [self.filter_class(**self.model_dump(exclude={"type", "input", "fields"}))]


def filter_stage(type_name: str, cls: type, module: str, step: type | None = None, doc: str = "") -> type:
    """A recipe stage with the filter's own parameters and defaults (so the published ones, by
    construction); `step` runs in its place where ours adapts it."""
    hints = typing.get_type_hints(cls.__init__)
    fields: dict[str, Any] = {"type": (Literal[type_name], ...)}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name in ("self", "exclusion_writer", *RecordStage.model_fields):
            continue
        annotation = _PARAM_TYPES.get(name, hints.get(name, Any))
        if annotation in (Iterable, typing.Iterable):
            annotation = list[str] | None
        fields[name] = (annotation, param.default)
    name = "".join(part.title() for part in type_name.split("_")) + "Stage"
    stage = create_model(name, __base__=FilterStage, __module__=module, __doc__=doc, **fields)
    stage.filter_class, stage.params_class = step or cls, cls
    return stage
