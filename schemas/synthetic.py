"""Synthetic records: instruction, QA, critique, preference, pairwise, comparison and negative-pair rows, and
those of a recipe's own task (columns from its output schema), each with its provenance (version 1)."""

from __future__ import annotations

import pyarrow as pa

VERSION = 1

# Where every synthetic row came from and how it was made.
PROVENANCE = [
    pa.field("source_id", pa.string(), nullable=False),  # the record it was generated from
    pa.field("sample", pa.int32(), nullable=False),  # which of the n samples
    pa.field("task", pa.string(), nullable=False),
    pa.field("model", pa.string(), nullable=False),
    pa.field("model_revision", pa.string(), nullable=False),  # Hub revision or sha256 of the weights
    pa.field("sampling", pa.string(), nullable=False),  # the sampling parameters, as JSON
    pa.field("template_sha256", pa.string(), nullable=False),
    pa.field("seed", pa.int64(), nullable=False),
]


# Why a row was kept when a task selects among a prompt's samples (first, majority, verified).
SELECTION = [
    pa.field("selected", pa.string()),
    # majority and verified: the share of the n samples that gave the kept answer
    pa.field("agreement", pa.float32()),
]
# A refined task's rows (generate, verify, refine): the attempts a row took, and each failed one before it
# (JSON: round, output, reason, what the check saw).
REFINED = [
    pa.field("attempts", pa.int32()),
    pa.field("trajectory", pa.string()),
]
# A synthetic config's rejects (rejects/<config>.parquet): each sample that is no row, with what the model
# wrote and what each check that ran said (JSON list of {check, passed, detail}).
REJECTS = pa.schema([
    pa.field("source_id", pa.string()),
    pa.field("sample", pa.int32()),
    pa.field("reason", pa.string()),
    pa.field("output", pa.string()),
    pa.field("checks", pa.string()),
    pa.field("trajectory", pa.string()),
])
_SCALARS = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}


def json_type(prop: dict) -> str | None:
    """A JSON Schema property's type, the first that is not null."""
    kind = prop.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return next((k for k in kinds if k != "null"), None)


def arrow_type(prop: dict) -> pa.DataType | None:
    """The Arrow type of a JSON Schema property: scalars and lists of scalars; None: kept as JSON text."""
    kind = json_type(prop)
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "array" and json_type(prop.get("items") or {}) in _SCALARS:
        return pa.list_(_SCALARS[json_type(prop["items"])])
    return None


def record_schema(name: str, properties: dict, carried: list[str], extra: list[pa.Field]) -> pa.Schema:
    """The schema of a recipe's own task: its output properties, the input fields it carries, and more."""
    fields = [pa.field(k, pa.string()) for k in carried if k not in properties]
    fields += [pa.field(k, arrow_type(p) or pa.string()) for k, p in properties.items()]
    return _schema(name, fields + extra)


def _schema(name: str, fields: list[pa.Field]) -> pa.Schema:
    return pa.schema([pa.field("id", pa.string(), nullable=False), *fields, *PROVENANCE],
                     metadata={"schema": name, "schema_version": str(VERSION)})


SCHEMAS: dict[str, pa.Schema] = {
    "instruction": _schema(
        "instruction",
        [
            pa.field("instruction", pa.string(), nullable=False),
            pa.field("response", pa.string(), nullable=False),
        ],
    ),
    "qa": _schema(
        "qa",
        [
            pa.field("question", pa.string(), nullable=False),
            pa.field("answer", pa.string(), nullable=False),
            pa.field("support", pa.float32()),
        ],
    ),  # share of the answer's words in the passage
    "critique": _schema(
        "critique",
        [
            pa.field("prompt", pa.string(), nullable=False),
            pa.field("response", pa.string(), nullable=False),
            pa.field("score", pa.int32(), nullable=False),
            pa.field("rationale", pa.string(), nullable=False),
        ],
    ),
    "preference": _schema(
        "preference",
        [
            pa.field("prompt", pa.string(), nullable=False),
            pa.field("chosen", pa.string(), nullable=False),
            pa.field("rejected", pa.string(), nullable=False),
            pa.field("chosen_score", pa.int32(), nullable=False),
            pa.field("rejected_score", pa.int32(), nullable=False),
        ],
    ),
}
# Pairwise judging (judge_pairwise): a pair where both orders' verdicts agree, as chosen/rejected.
SCHEMAS["pairwise"] = _schema(
    "pairwise",
    [
        pa.field("prompt", pa.string(), nullable=False),
        pa.field("chosen", pa.string(), nullable=False),
        pa.field("rejected", pa.string(), nullable=False),
        pa.field("chosen_source", pa.string(), nullable=False),  # the config (or sample) it came from
        pa.field("rejected_source", pa.string(), nullable=False),
        pa.field("rationale", pa.string(), nullable=False),  # the judge's, in the order the pair was made
    ],
)
# Every pair judged, ties and unjudged ones included: both orders' verdicts in the pair's frame (a, b, tie).
SCHEMAS["comparisons"] = _schema(
    "comparisons",
    [
        pa.field("prompt", pa.string(), nullable=False),
        pa.field("response_a", pa.string(), nullable=False),
        pa.field("response_b", pa.string(), nullable=False),
        pa.field("source_a", pa.string(), nullable=False),
        pa.field("source_b", pa.string(), nullable=False),
        pa.field("sample_a", pa.int32(), nullable=False),
        pa.field("sample_b", pa.int32(), nullable=False),
        pa.field("verdict_ab", pa.string()),  # None: that order's judgement failed (unparsable, ...)
        pa.field("verdict_ba", pa.string()),
        pa.field("rationale_ab", pa.string()),
        pa.field("rationale_ba", pa.string()),
        pa.field("winner", pa.string()),  # a source, "tie" (position-inconsistent ones too), or None
        pa.field("position_inconsistent", pa.bool_(), nullable=False),
    ],
)
SCHEMAS["negatives"] = _schema(
    "negatives",
    [
        pa.field("prompt", pa.string(), nullable=False),
        pa.field("chosen", pa.string(), nullable=False),  # a passing sample of the prompt
        pa.field("rejected", pa.string(), nullable=False),  # a sample that failed a check (`sample`)
        pa.field("chosen_sample", pa.int32(), nullable=False),
        pa.field("rejected_reason", pa.string(), nullable=False),  # the check it failed
    ],
)
