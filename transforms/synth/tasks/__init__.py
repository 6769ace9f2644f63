"""The built-in synthesis tasks, one data file each; `load_task` makes a task from a name or a task file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from transforms.errors import TransformError
from transforms.synth.select import Selection
from transforms.synth.task import Parsed, Task, TaskDefinition, definition_from

FOLDER = Path(__file__).parent
BUILTIN: dict[str, Path] = {p.stem: p for p in sorted(FOLDER.glob("*.yaml"))}


def task_file(ref: str) -> Path:
    """The file of a built-in task by name, or a task file (YAML or JSON) by path."""
    if ref in BUILTIN:
        return BUILTIN[ref]
    path = Path(ref)
    if path.suffix not in (".yaml", ".yml", ".json"):
        raise TransformError(f"task: {ref!r} is neither a built-in task ({', '.join(BUILTIN)}), generate, "
                             "nor a task file (.yaml, .json)")
    if not path.is_file():
        raise TransformError(f"task: the task file {path} does not exist")
    return path


def read_definition(ref: str, overrides: dict[str, Any] | None = None) -> TaskDefinition:
    """A built-in or file task's definition, with the recipe's fields laid over it."""
    path = task_file(ref)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise TransformError(f"task: {path} is not YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise TransformError(f"task: {path} holds no task (a mapping with a prompt and a schema)")
    return definition_from(data | (overrides or {}), f"task {ref}")


def build_task(definition: TaskDefinition, options: dict[str, Any] | None = None,
               seeds: list[str] | None = None, selection: Selection | None = None) -> Task:
    """A task from its definition, with its judge (a built-in task) where its graph has one."""
    task = Task(definition, options, seeds, selection)
    if definition.judge:
        task.judge = load_task(definition.judge)
    return task


def load_task(ref: str, options: dict[str, Any] | None = None, seeds: list[str] | None = None,
              selection: Selection | None = None) -> Task:
    return build_task(read_definition(ref), options, seeds, selection)


__all__ = ["BUILTIN", "Parsed", "Selection", "Task", "TaskDefinition", "build_task", "load_task",
           "read_definition", "task_file"]
