"""critique: a judge model rates a (prompt, response) pair with a score and a rationale (LLM-as-judge)."""

from __future__ import annotations

from transforms.synth.tasks.base import Parsed, Task


class Critique(Task):
    """A 1-10 score and its rationale for a response, kept when the score reaches the threshold."""

    name = "critique"
    record_type = "critique"
    inputs = ("prompt", "response")
    # After JudgeLM's single-answer grading prompt.
    template = """\
You are a helpful and precise assistant for checking the quality of an answer.

[Question]
{{ prompt }}

[The Start of the Answer]
{{ response }}
[The End of the Answer]

Rate the helpfulness, relevance, accuracy and level of detail of the answer. Reply with a JSON object:
"rationale", a short explanation of your judgement, then "score", an integer from 1 to 10."""
    schema = {
        "type": "object",
        "properties": {
            "rationale": {"type": "string", "minLength": 1, "maxLength": 600},
            "score": {"type": "integer", "minimum": 1, "maximum": 10},
        },
        "required": ["rationale", "score"],
        "additionalProperties": False,
    }

    def __init__(self, threshold: int = 1):
        super().__init__()
        self.threshold = threshold

    def check(self, record: dict, value: dict) -> Parsed:
        row = {
            "prompt": record["prompt"],
            "response": record["response"],
            "score": value["score"],
            "rationale": value["rationale"],
        }
        if value["score"] < self.threshold:
            return Parsed(None, "below_threshold")
        return Parsed(row)
