"""doc_qa: a question-answer pair grounded in a curated document, kept only when the passage supports it."""

from __future__ import annotations

from transforms.decontam import normalize_tokens
from transforms.synth.tasks.base import Parsed, Task

# Words that say nothing about grounding: an answer is supported by its content words.
STOP_WORDS = frozenset(
    "a an the of to in on at by for and or but is are was were be it its this that these "
    "those with from as so not no yes".split()
)


def support(answer: str, passage: str) -> float:
    """The share of the answer's content words that the passage contains (0 when it has none)."""
    words = [w for w in normalize_tokens(answer) if w not in STOP_WORDS]
    if not words:
        return 0.0
    present = set(normalize_tokens(passage))
    return sum(w in present for w in words) / len(words)


class DocQA(Task):
    """Question-answer pairs grounded in a document; the answer's words must come from the passage."""

    name = "doc_qa"
    record_type = "qa"
    inputs = ("text",)
    template = """\
Read the passage, then write one question that the passage answers and the answer, in words taken
from the passage.

Passage:
{{ text[:max_passage_chars] }}

Reply with a JSON object with the keys "question" and "answer"."""
    schema = {
        "type": "object",
        "properties": {
            "question": {"type": "string", "minLength": 8, "maxLength": 300},
            "answer": {"type": "string", "minLength": 1, "maxLength": 300},
        },
        "required": ["question", "answer"],
        "additionalProperties": False,
    }

    def __init__(self, min_support: float = 0.8, max_passage_chars: int = 4000):
        super().__init__(max_passage_chars=max_passage_chars)
        self.min_support = min_support

    def check(self, record: dict, value: dict) -> Parsed:
        if support(value["answer"], value["question"]) == 1.0:  # the answer only repeats the question
            return Parsed(None, "answer_in_question")
        score = support(value["answer"], record["text"])
        if score < self.min_support:
            return Parsed(None, "unsupported_answer")
        return Parsed({"question": value["question"], "answer": value["answer"], "support": round(score, 4)})
