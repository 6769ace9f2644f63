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
    graph = "preference_pairs"

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

    def funnel(self, counts: dict[str, int], rows: int, dropped: dict[str, int],
               n: int) -> tuple[int, dict, dict]:
        # A pair per prompt: the funnel counts prompts; the samples and verdicts lost on the way are
        # reported apart. A prompt with fewer than two judged responses makes no pair.
        prompts = counts.get("records", 0)
        losses = {k: v for k, v in dropped.items() if k != "all_scores_equal"}
        losses |= {"judge_" + k.removeprefix("judge_rejected_"): v for k, v in counts.items()
                   if k.startswith("judge_rejected_")}
        pairs = {"all_scores_equal": dropped.get("all_scores_equal", 0)}
        pairs["too_few_judged"] = prompts - rows - pairs["all_scores_equal"]
        return prompts, {k: v for k, v in pairs.items() if v}, losses
