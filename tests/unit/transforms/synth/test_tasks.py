"""The synthesis tasks' templates, schemas and checks, with no engine: what each keeps and why not. The
built-in tasks are data files on the same machinery as a recipe's own `task: generate`."""

from __future__ import annotations

import json
import pickle

import pytest

from transforms.errors import TransformError
from transforms.synth.answers import answers_match, as_number, final_answer
from transforms.synth.backends import check_schema
from transforms.synth.cache import GenerationCache
from transforms.synth.checks import support
from transforms.synth.pairs import pick_pair
from transforms.synth.sampling import Completion, Sampling, completion_key
from transforms.synth.select import Selection
from transforms.synth.task import Parsed, Task, definition_from
from transforms.synth.tasks import BUILTIN, load_task

PASSAGE = (
    "The lighthouse keeper climbed the spiral stairs at dusk to light the great lamp and polish the lens, "
    "so that ships far out at sea could see the rocks of the bay."
)


def test_every_task_has_a_valid_schema_and_a_template_that_renders():
    assert set(BUILTIN) == {"self_instruct", "doc_qa", "critique", "preference", "judge_pairwise",
                            "critique_reference", "checklist", "checklist_judge", "edu_rating"}
    record = {
        "text": PASSAGE,
        "prompt": "Why light the lamp?",
        "response": "For ships.",
        "response_a": "For ships.",
        "response_b": "To see.",
        "reference": "For ships at sea.",
        "questions": ["Does it say why?"],
        "examples": ["Add 2 and 2."],
    }
    for name in BUILTIN:
        task = load_task(name)
        check_schema(task.schema)
        content = task.messages(record)[0]["content"]
        assert content and "{{" not in content
        assert len(task.template_sha256) == 16
        assert pickle.loads(pickle.dumps(task)).messages(record) == task.messages(
            record
        )  # Beam pickles tasks


def test_doc_qa_keeps_only_answers_the_passage_supports():
    task = load_task("doc_qa")
    grounded = json.dumps(
        {"question": "When did the keeper climb?", "answer": "At dusk, to light the great lamp"}
    )
    invented = json.dumps({"question": "What colour was the boat?", "answer": "A bright red trawler"})
    assert task.parse({"text": PASSAGE}, grounded).row["support"] == 1.0
    assert task.parse({"text": PASSAGE}, invented).reason == "unsupported_answer"
    assert support("the of and", PASSAGE) == 0.0  # no content words: nothing supported
    echo = json.dumps({"question": "The lighthouse keeper", "answer": "the Lighthouse keeper."})
    assert task.parse({"text": PASSAGE}, echo).reason == "answer_in_question"
    assert task.parse({"text": PASSAGE}, '{"question": "Why?"').reason == "unparsable"
    assert task.parse({"text": PASSAGE}, '{"question": "Why?", "answer": 3}').reason == "schema_mismatch"
    assert "Passage:\nThe lighthouse" in task.messages({"text": PASSAGE})[0]["content"]
    assert len(load_task("doc_qa", {"max_passage_chars": 20}).messages({"text": PASSAGE})[0]["content"]) < 250


def test_critique_threshold():
    task = load_task("critique", {"threshold": 7})
    record = {"prompt": "Why light the lamp?", "response": "For ships."}
    assert task.parse(record, '{"rationale": "Accurate.", "score": 8}').row["score"] == 8
    assert task.parse(record, '{"rationale": "Vague.", "score": 6}').reason == "below_threshold"
    assert task.parse(record, '{"rationale": "x", "score": 11}').reason == "schema_mismatch"


def test_self_instruct_drops_near_copies_of_seeds_and_of_each_other():
    seeds = [
        {"instruction": "Write a short poem about the sea."},
        {"instruction": "List three uses of a lamp."},
    ]
    task = load_task("self_instruct", seeds=[s["instruction"] for s in seeds])
    assert (
        task.parse(
            {}, json.dumps({"instruction": "Write a short poem about the sea!", "response": "Waves."})
        ).reason
        == "near_copy_of_seed"
    )
    fresh = task.parse(
        {}, json.dumps({"instruction": "Explain why tides happen twice a day.", "response": "The moon."})
    )
    assert fresh.row == {"instruction": "Explain why tides happen twice a day.", "response": "The moon."}
    rows = [
        {"instruction": "Explain why tides happen twice a day."},
        {"instruction": "Explain why the tides happen twice each day."},  # ROUGE-L above 0.7 with the first
        {"instruction": "Describe how a bicycle chain is cleaned."},
    ]
    assert [reason for _, reason in task.after_sort(rows)] == [None, "near_copy", None]
    # A second pass forgets the first's rows.
    assert [reason for _, reason in task.after_sort(rows)] == [None, "near_copy", None]
    slots = list(task.slots(seeds, count=3, seed=1))
    assert slots == list(task.slots(seeds, count=3, seed=1)) and all(len(s["examples"]) == 2 for s in slots)
    assert [s["id"] for s in slots] == ["self_instruct-0", "self_instruct-1", "self_instruct-2"]


def test_preference_picks_best_and_worst_deterministically():
    pair = pick_pair("p", [("a", 4), ("b", 9), ("c", 4), ("d", 9)])
    assert pair.row == {"prompt": "p", "chosen": "b", "rejected": "a", "chosen_score": 9, "rejected_score": 4}
    assert pick_pair("p", [("a", 5), ("b", 5)]).reason == "all_scores_equal"
    assert pick_pair("p", [("a", 5)]).reason == "too_few_judged"
    assert load_task("preference").judge.name == "critique"


def test_cache_keys_cover_model_sampling_prompt_and_sample(tmp_path):
    base = completion_key("m", "r1", Sampling(seed=1), None, "prompt", 0)
    assert base == completion_key("m", "r1", Sampling(seed=1), None, "prompt", 0)
    others = [
        completion_key("m2", "r1", Sampling(seed=1), None, "prompt", 0),
        completion_key("m", "r2", Sampling(seed=1), None, "prompt", 0),
        completion_key("m", "r1", Sampling(seed=2), None, "prompt", 0),
        completion_key("m", "r1", Sampling(seed=1, temperature=0.1), None, "prompt", 0),
        completion_key("m", "r1", Sampling(seed=1), {"type": "object"}, "prompt", 0),
        completion_key("m", "r1", Sampling(seed=1), None, "prompt!", 0),
        completion_key("m", "r1", Sampling(seed=1), None, "prompt", 1),
    ]
    assert len({base, *others}) == 8
    cache = GenerationCache(tmp_path / "c.db")
    cache.put([(base, Completion("hello", "stop", 2))])
    cache.close()
    assert GenerationCache(tmp_path / "c.db").get([base, others[0]]) == {base: Completion("hello", "stop", 2)}


@pytest.mark.parametrize(
    "schema, where",
    [
        ({"type": "object", "properties": {"a": {"type": "strin"}}}, "properties/a/type"),
        ({"type": "object", "required": "a"}, "required"),
    ],
)
def test_invalid_schemas_are_one_line(schema, where):
    from pipelines.errors import USER_ERRORS

    with pytest.raises(USER_ERRORS) as info:
        check_schema(schema)
    assert f"not valid JSON Schema at {where}" in str(info.value) and "\n" not in str(info.value)


def test_task_rows_fit_their_arrow_schema_with_provenance():
    import pyarrow as pa

    from schemas.synthetic import SCHEMAS

    provenance = {
        "id": "qa:d1:0",
        "source_id": "d1",
        "sample": 0,
        "task": "t",
        "model": "m",
        "model_revision": "sha256:ab",
        "sampling": "{}",
        "template_sha256": "cd",
        "seed": 1,
    }
    rows = {
        "qa": load_task("doc_qa").parse(
            {"text": PASSAGE}, json.dumps({"question": "When did he climb?", "answer": "at dusk"})
        ),
        "critique": load_task("critique").parse({"prompt": "p", "response": "r"},
                                                '{"rationale": "ok", "score": 5}'),
        "instruction": load_task("self_instruct").parse(
            {}, '{"instruction": "Explain tides.", "response": "The moon."}'),
        "preference": pick_pair("p", [("a", 2), ("b", 8)]),
    }
    for name, parsed in rows.items():
        assert {load_task(t).record_type for t in BUILTIN} >= {name}
        table = pa.Table.from_pylist([parsed.row | provenance], schema=SCHEMAS[name])
        assert table.num_rows == 1 and set(table.column_names) == set(parsed.row) | set(provenance)


MATH = {
    "name": "math",
    "prompt": "Solve: {{ question }}",
    "schema": {"type": "object", "properties": {"solution": {"type": "string"}, "answer": {"type": "string"},
                                                "steps": {"type": "array", "items": {"type": "object"}}},
               "required": ["solution", "answer"]},
    "inputs": ["question", "reference"],
    "options": {"longest": 400},
    "checks": [
        {"type": "length", "field": "solution", "min": 10, "max": "$longest"},
        {"type": "regex", "field": "solution", "pattern": "(?i)as an ai", "match": False, "name": "refusal"},
        {"type": "answer_match", "field": "answer", "reference": "reference"},
    ],
}
RECORD = {"question": "Tom has 3 apples and buys 4 more. How many?", "reference": "3 + 4 = 7\n#### 7"}


def _sample(solution: str, answer: str) -> str:
    return json.dumps({"solution": solution, "answer": answer})


def test_a_recipe_task_checks_each_sample_in_order_and_names_the_check():
    task = Task(definition_from(MATH))
    assert task.messages(RECORD) == [{"role": "user", "content": "Solve: " + RECORD["question"]}]
    assert task.parse(RECORD, _sample("He has 3 + 4 = 7 apples.", "\\boxed{7}")).row["answer"] == "\\boxed{7}"
    assert task.parse(RECORD, _sample("short", "7")).reason == "length"
    assert task.parse(RECORD, _sample("As an AI I cannot count apples.", "7")).reason == "refusal"
    wrong = task.parse(RECORD, _sample("He has 3 + 4 = 8 apples.", "8"))
    assert wrong.reason == "wrong_answer" and wrong.value["answer"] == "8"  # the value kept for negatives
    nested = task.parse(RECORD, json.dumps({"solution": "Count them all: 7.", "answer": "7",
                                            "steps": [{"add": 4}]}))
    assert nested.row["steps"] == '[{"add": 4}]'  # no Arrow type of its own: JSON text
    system = Task(definition_from(MATH | {"system": "You are a {{ 'careful' }} tutor."}))
    assert system.messages(RECORD)[0] == {"role": "system", "content": "You are a careful tutor."}
    assert system.template_sha256 != task.template_sha256


def test_final_answers_are_compared_as_numbers():
    assert final_answer("so \\boxed{\\frac{3}{4}} and more") == "\\frac{3}{4}"
    assert final_answer("Step one.\n#### 1,250") == "1,250"
    assert as_number("\\boxed{\\frac{3}{4}}") == as_number("0.75") == as_number("x = 3/4")
    assert answers_match("The answer is $1,250.", "#### 1250")
    assert answers_match("\\boxed{42}", "42.0") and not answers_match("\\boxed{42}", "41")
    assert answers_match("Paris.", "paris", "exact") and not answers_match("Lyon", "Paris")
    assert not answers_match("no number here", "#### 3")


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"prompt": "Solve {{ question "}, "prompt: template error at line 1"),
        ({"prompt": "Solve {{ questoin }}"},
         "prompt: the template uses 'questoin', which is neither an input"),
        ({"prompt": "{{ ''.__class__.__mro__ }}"}, None),  # sandboxed: rendering it is refused, below
        ({"schema": {"type": "object", "properties": {"a": {"type": "strin"}}}},
         "schema: is not valid JSON Schema at properties/a/type"),
        ({"schema": {"type": "string"}}, "schema: the output schema must be an object with properties"),
        ({"checks": [{"type": "lenght", "field": "solution"}]}, "checks.0: Input tag 'lenght'"),
        ({"checks": [{"type": "regex", "field": "solution", "pattern": "("}]},
         "checks.0.pattern: not a regular expression"),
        ({"checks": [{"type": "length", "field": "solution", "max": "$shortest"}]},
         "checks.0.max: $shortest names no option of the task (options: longest)"),
        ({"checks": [{"type": "length", "field": "solutoin", "min": 1}]},
         "checks.0: length reads 'solutoin', which is not a field of the output"),
        ({"checks": [{"type": "answer_match", "field": "answer", "reference": "gold"}]},
         "checks.0: answer_match reads 'gold', which is not an input"),
        ({"checks": [{"type": "score", "field": "answer"}]}, "checks.0: score needs min or max"),
    ],
)
def test_bad_templates_schemas_and_checks_are_one_line_errors(edit, message):
    if message is None:
        task = Task(definition_from(MATH | edit | {"inputs": ["question", "reference"]}))
        import jinja2.exceptions

        with pytest.raises(jinja2.exceptions.SecurityError):
            task.messages(RECORD)
        return
    with pytest.raises(TransformError) as info:
        Task(definition_from(MATH | edit))
    assert str(info.value).startswith(message.split(":")[0]) and message in str(info.value)
    assert "\n" not in str(info.value)


def _samples(*answers: str | None) -> list[Parsed]:
    """Parsed samples: an answer that passed its checks, "!x" one that failed them, None one unparsable."""
    out = []
    for a in answers:
        if a is None:
            out.append(Parsed(None, "unparsable"))
        elif a.startswith("!"):
            out.append(Parsed(None, "wrong_answer", {"solution": "s", "answer": a[1:]}))
        else:
            out.append(Parsed({"solution": "s", "answer": a}, None, {"solution": "s", "answer": a}))
    return out


def test_selection_keeps_first_majority_or_verified_and_pairs_negatives():
    task = Task(definition_from(MATH))
    rows = lambda outcome: [(i, row.get("selected"), row.get("agreement")) for i, row, _ in outcome if row]  # noqa
    reasons = lambda outcome: [reason for _, row, reason in outcome if row is None]  # noqa

    outcome, pairs = Selection("all").choose(_samples("7", "!8", "7", None))
    assert rows(outcome) == [(0, None, None), (2, None, None)]
    assert reasons(outcome) == ["wrong_answer", "unparsable"]
    assert pairs == []
    outcome, _ = Selection("first").choose(_samples("!8", "7", "7"))
    assert rows(outcome) == [(1, "first_passing", None)]
    assert reasons(outcome) == ["wrong_answer", "not_selected"]
    # Self-consistency: "7" twice (one of them failed a check), "9" once: the first passing 7 is kept.
    outcome, _ = Selection("majority").choose(_samples("9", "!7", "7", None))
    assert rows(outcome) == [(2, "majority", 0.5)]
    assert reasons(outcome) == ["not_selected", "wrong_answer", "unparsable"]
    tie, _ = Selection("majority").choose(_samples("5", "6"))
    assert rows(tie) == [(0, "majority", 0.5)]
    outcome, _ = Selection("majority").choose(_samples(None, None))
    assert rows(outcome) == [] and reasons(outcome) == ["unparsable", "unparsable"]

    def check(selection, task):
        selection.check([c.type for c in task.checks], task.fields, task.schema)

    verified = Selection("verified", negatives=True)
    check(verified, task)
    assert verified.response == "solution"  # the first text field of the output
    outcome, pairs = verified.choose(_samples("!8", "7", None, "7", "!6"))
    assert rows(outcome) == [(1, "verified", 0.4), (3, "verified", 0.4)]  # 2 of the 5 samples said 7
    assert pairs == [(1, 0), (1, 4)]  # the first kept sample against each that failed a check
    assert verified.choose(_samples("!8", None))[1] == []  # no passing sample: no pair
    with pytest.raises(TransformError, match="select: verified keeps the samples whose answer matches"):
        check(Selection("verified"), Task(definition_from(MATH | {"checks": []})))
    with pytest.raises(TransformError, match="answer: majority votes on a field of the output; 'final'"):
        check(Selection("majority", answer="final"), task)


def test_a_recipe_tasks_rows_fit_the_schema_made_from_its_output_schema():
    import pyarrow as pa

    task = Task(definition_from(MATH), selection=Selection("majority"))
    schema = task.arrow_schema()
    assert schema.field("steps").type == pa.string() and schema.field("agreement").type == pa.float32()
    value = {"solution": "3 + 4 = 7 apples", "answer": "7", "steps": [{"a": 1}]}
    row = task.parse(RECORD, json.dumps(value)).row | {
        "selected": "majority", "agreement": 0.75, "id": "m:1:0", "source_id": "1", "sample": 0,
        "task": "math", "model": "m", "model_revision": "r", "sampling": "{}", "template_sha256": "t",
        "seed": 0}
    assert pa.Table.from_pylist([row], schema=schema).num_rows == 1
    assert "selected" not in load_task("doc_qa").arrow_schema().names  # select: all adds no columns
