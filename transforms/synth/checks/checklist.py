"""checklist: the share of a checklist's yes/no questions answered yes (TICK's score), within bounds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from transforms.synth.checks.base import Bounded, CheckContext


class Checklist(Bounded):
    """One answer per question of the record's `questions`, the share of YES at least min; `keep_as`
    names a row field that records that share."""

    type: Literal["checklist"]
    questions: str  # the prompt's input field with the checklist (a list of questions)
    min: float | None = Field(0.0, ge=0, le=1)
    max: float | None = Field(None, ge=0, le=1)
    keep_as: str | None = None
    default_name = "checklist_unmet"

    def reads(self) -> dict[str, str]:
        return {self.field: "row", self.questions: "record"}

    def passes(self, record: dict, row: dict, context: CheckContext) -> bool:
        answers, questions = row.get(self.field), record.get(self.questions)
        # An answer list that does not line up with the questions answers some other checklist.
        if not isinstance(answers, list) or not isinstance(questions, list) or not answers:
            return False
        if len(answers) != len(questions):
            return False
        share = sum(str(a).upper() == "YES" for a in answers) / len(answers)
        if self.keep_as:
            row[self.keep_as] = round(share, 4)
        return self.within(share)
