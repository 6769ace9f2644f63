"""The synthesis tasks' templates, schemas and checks, with no engine: what each keeps and why not."""

from __future__ import annotations

import json
import pickle

import pytest

from transforms.synth.backends import check_schema
from transforms.synth.cache import GenerationCache
from transforms.synth.sampling import Completion, Sampling, completion_key
from transforms.synth.tasks import TASKS, Critique, DocQA, Preference, SelfInstruct
from transforms.synth.tasks.doc_qa import support

PASSAGE = (
    "The lighthouse keeper climbed the spiral stairs at dusk to light the great lamp and polish the lens, "
    "so that ships far out at sea could see the rocks of the bay."
)


def test_every_task_has_a_valid_schema_and_a_template_that_renders():
    assert set(TASKS) == {"self_instruct", "doc_qa", "critique", "preference"}
    record = {
        "text": PASSAGE,
        "prompt": "Why light the lamp?",
        "response": "For ships.",
        "examples": ["Add 2 and 2."],
    }
    for cls in TASKS.values():
        task = cls()
        check_schema(task.schema)
        content = task.messages(record)[0]["content"]
        assert content and "{{" not in content
        assert len(task.template_sha256) == 16
        assert pickle.loads(pickle.dumps(task)).messages(record) == task.messages(
            record
        )  # Beam pickles tasks


def test_doc_qa_keeps_only_answers_the_passage_supports():
    task = DocQA()
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
    assert len(DocQA(max_passage_chars=20).messages({"text": PASSAGE})[0]["content"]) < 250


def test_critique_threshold():
    task = Critique(threshold=7)
    record = {"prompt": "Why light the lamp?", "response": "For ships."}
    assert task.parse(record, '{"rationale": "Accurate.", "score": 8}').row["score"] == 8
    assert task.parse(record, '{"rationale": "Vague.", "score": 6}').reason == "below_threshold"
    assert task.parse(record, '{"rationale": "x", "score": 11}').reason == "schema_mismatch"


def test_self_instruct_drops_near_copies_of_seeds_and_of_each_other():
    seeds = [
        {"instruction": "Write a short poem about the sea."},
        {"instruction": "List three uses of a lamp."},
    ]
    task = SelfInstruct(seeds=[s["instruction"] for s in seeds])
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
    assert [reason for _, reason in task.drop_near_copies(rows)] == [None, "near_copy", None]
    slots = list(SelfInstruct.slots(seeds, count=3, examples=2, seed=1))
    assert slots == list(SelfInstruct.slots(seeds, count=3, examples=2, seed=1))
    assert [s["id"] for s in slots] == ["self_instruct-0", "self_instruct-1", "self_instruct-2"]


def test_preference_picks_best_and_worst_deterministically():
    pair = Preference.pick("p", [("a", 4), ("b", 9), ("c", 4), ("d", 9)])
    assert pair.row == {"prompt": "p", "chosen": "b", "rejected": "a", "chosen_score": 9, "rejected_score": 4}
    assert Preference.pick("p", [("a", 5), ("b", 5)]).reason == "all_scores_equal"
    assert Preference.pick("p", [("a", 5)]).reason == "too_few_judged"


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
        "qa": DocQA().parse(
            {"text": PASSAGE}, json.dumps({"question": "When did he climb?", "answer": "at dusk"})
        ),
        "critique": Critique().parse({"prompt": "p", "response": "r"}, '{"rationale": "ok", "score": 5}'),
        "instruction": SelfInstruct().parse({}, '{"instruction": "Explain tides.", "response": "The moon."}'),
        "preference": Preference.pick("p", [("a", 2), ("b", 8)]),
    }
    for name, parsed in rows.items():
        assert {cls.record_type for cls in TASKS.values()} >= {name}
        table = pa.Table.from_pylist([parsed.row | provenance], schema=SCHEMAS[name])
        assert table.num_rows == 1 and set(table.column_names) == set(parsed.row) | set(provenance)
