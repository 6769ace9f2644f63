"""Which of a prompt's n samples become rows: all that pass, the first, the majority answer, or the verified
ones; and the failed samples of a prompt that had a passing one, as chosen/rejected pairs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from transforms.errors import TransformError
from transforms.synth.answers import normalize_answer
from transforms.synth.parsed import Parsed

Mode = Literal["all", "first", "majority", "verified"]
# Why a completion is not a row before any check ran: no check's failure makes a negative.
NOT_PARSED = ("unparsable", "schema_mismatch", "truncated", "prompt_too_long")
# Why a kept row was kept, in its `selected` field (not written for `all`: every passing sample is a row).
KEPT = {"first": "first_passing", "majority": "majority", "verified": "verified"}


@dataclass
class Selection:
    """How a prompt's samples are chosen: `mode`, the field voted on (majority), negatives and their text."""

    mode: Mode = "all"
    answer: str = "answer"
    negatives: bool = False
    response: str | None = None  # the field a pair's chosen and rejected texts are; default: the first string

    def check(self, check_types: list[str], fields: list[str], schema: dict) -> None:
        """Fails on a selection the task cannot make: its checks' types, output fields and JSON Schema."""
        if self.mode == "verified" and "answer_match" not in check_types:
            raise TransformError("select: verified keeps the samples whose answer matches a reference: "
                                 "add an answer_match check")
        if self.mode == "majority" and self.answer not in fields:
            raise TransformError(f"answer: majority votes on a field of the output; {self.answer!r} is not "
                                 f"one ({', '.join(fields)})")
        if self.negatives:
            strings = [k for k, v in schema["properties"].items() if v.get("type") == "string"]
            self.response = self.response or (strings[0] if strings else None)
            if self.response not in fields:
                raise TransformError(f"response: negatives pair a text field of the output; "
                                     f"{self.response!r} is not one ({', '.join(fields)})")

    def choose(self, samples: list[Parsed]) -> tuple[list[tuple[int, dict | None, str | None]],
                                                     list[tuple[int, int]]]:
        """Per sample (index, row or None, reason or None), and the (chosen, rejected) sample pairs."""
        passing = [i for i, s in enumerate(samples) if s.row is not None]
        kept, extra = set(passing), {}
        if self.mode == "first":
            kept = set(passing[:1])
        elif self.mode == "majority":
            answers = [(i, normalize_answer(str(s.value.get(self.answer, "")))) for i, s in enumerate(samples)
                       if s.value is not None]
            votes = Counter(a for _, a in answers)
            first_seen: dict[str, int] = {}
            for i, a in answers:
                first_seen.setdefault(a, i)
            kept = set()
            if votes:  # ties go to the answer sampled first, for determinism
                best = max(votes, key=lambda a: (votes[a], -first_seen[a]))
                kept = {next((i for i, a in answers if a == best and i in passing), -1)} - {-1}
                extra = {"agreement": round(votes[best] / len(samples), 4)}
        agreement = {}
        if self.mode == "verified" and kept:
            # Self-consistency beside verification: the share of the n samples that gave each kept answer.
            answers = {i: normalize_answer(str(s.value.get(self.answer, ""))) for i, s in enumerate(samples)
                       if s.value is not None and self.answer in s.value}
            votes = Counter(answers.values())
            agreement = {i: round(votes[answers[i]] / len(samples), 4) for i in kept if i in answers}
        outcome = []
        for i, sample in enumerate(samples):
            if i in kept:
                row = sample.row | ({"selected": KEPT[self.mode]} | extra if self.mode in KEPT else {})
                if i in agreement:
                    row["agreement"] = agreement[i]
                outcome.append((i, row, None))
            elif sample.row is not None:
                outcome.append((i, None, "not_selected"))
            else:
                outcome.append((i, None, sample.reason))
        pairs = []
        if self.negatives and kept:
            chosen = min(kept)
            pairs = [(chosen, i) for i, s in enumerate(samples)
                     if s.row is None and s.value is not None and s.reason not in NOT_PARSED]
        return outcome, pairs
