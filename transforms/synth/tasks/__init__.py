"""The synthesis tasks a recipe names, each in its own file with its template, schema and checks."""

from transforms.synth.tasks.base import Parsed, Task
from transforms.synth.tasks.critique import Critique
from transforms.synth.tasks.doc_qa import DocQA
from transforms.synth.tasks.preference import Preference, Respond
from transforms.synth.tasks.self_instruct import SelfInstruct

TASKS: dict[str, type[Task]] = {t.name: t for t in (SelfInstruct, DocQA, Critique, Preference)}

__all__ = ["TASKS", "Critique", "DocQA", "Parsed", "Preference", "Respond", "SelfInstruct", "Task"]
