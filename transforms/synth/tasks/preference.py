"""preference: n sampled responses per prompt, each judged; the best and worst make a chosen/rejected pair."""

from __future__ import annotations

from transforms.synth.tasks.base import Parsed, Task
from transforms.synth.tasks.critique import Critique


class Respond(Task):
    """A plain response to a prompt: the samples a preference pair is chosen from."""

    name = "respond"
    record_type = "response"
    inputs = ("prompt",)
    template = "{{ prompt }}"
    schema = {
        "type": "object",
        "properties": {"response": {"type": "string", "minLength": 1, "maxLength": 1000}},
        "required": ["response"],
        "additionalProperties": False,
    }

    def check(self, record: dict, value: dict) -> Parsed:
        return Parsed({"prompt": record["prompt"], "response": value["response"]})


class Preference(Task):
    """Chosen/rejected pairs: the best- and worst-judged of n responses, with both scores."""

    name = "preference"
    record_type = "preference"
    inputs = ("prompt",)
    template = Respond.template
    schema = Respond.schema

    def __init__(self):
        super().__init__()
        self.respond, self.judge = Respond(), Critique()

    @staticmethod
    def pick(prompt: str, scored: list[tuple[str, int]]) -> Parsed:
        """The pair from (response, score)s: ties on score go to the earlier sample, for determinism."""
        if len(scored) < 2:
            return Parsed(None, "too_few_judged")
        best = max(range(len(scored)), key=lambda i: (scored[i][1], -i))
        worst = min(range(len(scored)), key=lambda i: (scored[i][1], i))
        if scored[best][1] == scored[worst][1]:
            return Parsed(None, "all_scores_equal")
        return Parsed(
            {
                "prompt": prompt,
                "chosen": scored[best][0],
                "rejected": scored[worst][0],
                "chosen_score": scored[best][1],
                "rejected_score": scored[worst][1],
            }
        )
