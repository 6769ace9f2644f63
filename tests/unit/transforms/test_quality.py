"""The fastText quality classifier: trained here on texts the tests write, scored exactly as trained."""

from __future__ import annotations

import hashlib
import json
import pickle
import random

import numpy as np
import pytest
from support import run_cli

from pipelines.errors import USER_ERRORS
from transforms.langid import lid176_path
from transforms.quality_score import HQ, LQ, FastTextQualityScorer, normalize
from transforms.quality_train import DCLM_HYPERPARAMS, train_quality_model, train_quality_model_from_labels

# DCLM's hyperparameters but fewer hash buckets: 2M of them make a model of 800 MB.
SMALL = {"bucket": 50_000}

SUBJECTS = ["The committee", "A local historian", "The river authority", "My grandmother", "The new library",
            "A small bakery on the corner", "The research team", "The orchestra", "A retired teacher",
            "The city council", "Our geology professor", "The volunteers", "A young architect"]
VERBS = ["described", "questioned", "restored", "published", "explained", "measured", "celebrated",
         "revisited", "documented", "compared", "studied", "argued about", "carefully reconstructed"]
OBJECTS = ["the old stone bridge", "the flooding of the valley", "a forgotten family recipe",
           "the spring concert", "the results of the survey", "the history of the harbour",
           "a map of the northern hills", "the cost of the repairs", "the migration of the swallows",
           "the plans for the park", "the letters of a nineteenth-century sailor", "the village school"]
TAILS = ["after a long and difficult winter", "with remarkable patience", "for the first time in decades",
         "before the autumn meeting", "in a careful and readable report", "in front of a crowded hall",
         "because the records had been lost", "while the rest of the town was asleep"]
LINKS = ["Home", "About us", "Products", "Blog", "Contact", "Login", "Sign up", "FAQ", "Careers", "Shop",
         "Terms of service", "Privacy policy", "Sitemap", "Press", "Help center"]
KEYWORDS = ["cheap", "flights", "best", "deals", "casino", "bonus", "free", "spins", "loans", "fast",
            "online", "pills", "discount", "replica", "watches", "seo", "backlinks"]


def prose(rng: random.Random) -> str:
    """A few paragraphs of well-formed, varied English."""
    def sentence() -> str:
        s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
        if rng.random() < 0.4:
            s += f", and {rng.choice(SUBJECTS).lower()} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        return s + "."
    paragraphs = [" ".join(sentence() for _ in range(rng.randint(2, 5))) for _ in range(rng.randint(1, 3))]
    return "\n\n".join(paragraphs)


def spam(rng: random.Random) -> str:
    """Boilerplate and spam: keyword stuffing, menus, buy-now shouting, cookie banners, link lists."""
    kind = rng.randrange(5)
    if kind == 0:
        return " ".join(rng.choices(KEYWORDS, k=rng.randint(15, 40)))
    if kind == 1:
        return " | ".join(rng.sample(LINKS, rng.randint(5, 12)))
    if kind == 2:
        return (f"CLICK HERE to BUY NOW!!! {rng.randint(10, 90)}% OFF {rng.choice(KEYWORDS)} "
                f"{rng.choice(KEYWORDS)} limited offer, free shipping, order today >>> "
                + " ".join(rng.choices(KEYWORDS, k=rng.randint(3, 10))))
    if kind == 3:
        return ("We use cookies to improve your experience. By continuing you accept our "
                f"{rng.choice(['cookie policy', 'privacy policy', 'terms'])}. "
                + " | ".join(rng.sample(["Accept all", "Reject", "Cookie settings", "Manage", "OK"], 3)))
    return "\n".join(f"» {rng.choice(LINKS)} - {rng.choice(KEYWORDS)}-{rng.randint(1, 999)}.html"
                     for _ in range(rng.randint(4, 10)))


def texts(make, n: int, seed: int) -> list[str]:
    rng, seen = random.Random(seed), {}
    while len(seen) < n:
        text = make(rng)
        seen.setdefault(normalize(text), text)
    return list(seen.values())


def write_jsonl(path, records) -> None:
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The same positives and negatives as JSONL, Parquet and datasets.save_to_disk folders."""
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = tmp_path_factory.mktemp("quality-data")
    data = {"pos": texts(prose, 500, 1), "neg": texts(spam, 500, 2)}
    paths = {}
    for name, items in data.items():
        records = [{"text": t, "id": i} for i, t in enumerate(items)]
        write_jsonl(base / f"{name}.jsonl", records)
        pq.write_table(pa.Table.from_pylist(records), base / f"{name}.parquet")
        datasets.Dataset.from_list(records).save_to_disk(str(base / f"{name}-ds"))
        paths[name] = {"jsonl": base / f"{name}.jsonl", "parquet": base / f"{name}.parquet",
                       "datasets": base / f"{name}-ds"}
    return data, paths


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    _, paths = corpus
    model = tmp_path_factory.mktemp("quality-model") / "quality.bin"
    report = train_quality_model(paths["pos"]["jsonl"], paths["neg"]["jsonl"], model, hyperparams=SMALL)
    return model, report


def raw_hq(model, text: str) -> float:
    """What fastText itself says of the normalized text: the reference our scorer must equal."""
    labels, probs = model.predict(normalize(text), k=-1)
    return float(dict(zip(labels, probs, strict=True))[HQ])


def one_line_error(call, *needles: str) -> str:
    with pytest.raises(USER_ERRORS) as info:
        call()
    message = str(info.value)
    assert "\n" not in message, message
    for needle in needles:
        assert needle in message, message
    return message


# Normalisation ---------------------------------------------------------------------------------------

def test_normalize_is_dclms_one_line_form():
    text = "  The Bridge\r\nwas  restored.\n\n\tIt\u00a0opened\x0bin May.  "
    assert normalize(text) == "The Bridge was restored. It opened in May."  # case kept, as DCLM does
    assert normalize(normalize(text)) == normalize(text)
    # The same words as DCLM's own preprocessing, `" ".join(content.strip().splitlines())`, as fastText
    # splits them (DCLM leaves the NBSP inside a word; we split on it).
    dclm = " ".join(text.replace("\u00a0", " ").strip().splitlines())
    assert normalize(text).split(" ") == dclm.split()
    assert normalize("") == "" and normalize(" \n\t ") == ""


def test_scores_do_not_depend_on_whitespace(trained):
    scorer = FastTextQualityScorer(trained[0])
    a, b, c = scorer.score(["The committee\ndescribed  the bridge.", "The committee described the bridge.",
                            "\tThe committee\u2028described\u3000the bridge.\r\n"])
    assert a == b == c


def test_scorer_reads_every_text_as_its_normalized_form(trained):
    # Every kind of whitespace str.split() and fastText treat differently, in ASCII and Unicode texts.
    model_path, _ = trained
    scorer = FastTextQualityScorer(model_path)
    rng = random.Random(7)
    words = ["The", "committee", "restored", "cheap", "flights", "Home", "|", "café", "bridge.", "x\x00y"]
    spaces = [" ", "  ", "\n", "\r\n", "\t", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u00a0", "\u2003",
              "\u2028", "\u3000", ""]
    samples = ["".join(rng.choice(spaces) + rng.choice(words) for _ in range(rng.randint(0, 12)))
               + rng.choice(spaces) for _ in range(400)]
    ascii_only = [t for t in samples if t.isascii()]
    # Mixed, ASCII with separators fastText ignores, already normalized, ASCII with newlines only.
    plain = [t.replace("\x1c", "").replace("\x1f", "") for t in ascii_only]
    assert any("\n" in t for t in plain)
    for batch in (samples, ascii_only, [normalize(t) for t in ascii_only], plain):
        expected = np.array([raw_hq(scorer.model, t) for t in batch], dtype=np.float32)
        assert np.array_equal(scorer.score(batch), expected)


# Training -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "datasets"])
def test_trains_from_each_format_with_a_full_report(corpus, trained, tmp_path, fmt):
    data, paths = corpus
    pos, neg = paths["pos"][fmt], paths["neg"][fmt]
    if fmt == "jsonl":
        model, report = trained
    else:
        model = tmp_path / "quality.bin"
        report = train_quality_model(pos, neg, model, hyperparams=SMALL)
        # The split is chosen by a hash of each text: the same texts split alike in any format.
        assert report["counts"] == trained[1]["counts"]
    assert model.is_file()
    written = json.loads(model.with_name("quality.bin.report.json").read_text())
    assert written == json.loads(json.dumps(report))
    metrics = report["metrics"]
    assert metrics["f1"] > 0.9 and metrics["roc_auc"] > 0.9
    assert metrics["precision"] > 0.9 and metrics["recall"] > 0.9 and metrics["threshold"] == 0.5
    counts = report["counts"]
    assert counts["train"]["hq"] + counts["held_out"]["hq"] == len(data["pos"])
    assert counts["train"]["lq"] + counts["held_out"]["lq"] == len(data["neg"])
    assert 0.05 < (counts["held_out"]["hq"] + counts["held_out"]["lq"]) / 1000 < 0.15
    assert report["hyperparameters"] == {**DCLM_HYPERPARAMS, **SMALL, "seed": 0}
    assert report["hyperparameters"]["wordNgrams"] == 2
    for role, path in (("positives", pos), ("negatives", neg)):
        source = report["inputs"][role]
        assert source["format"] == fmt and source["records"] == 500 and source["skipped"] == {}
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        assert source["sha256"] == {
            (p.name if path.is_file() else p.relative_to(path).as_posix()):
                hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    if fmt == "datasets":
        assert "state.json" in report["inputs"]["positives"]["sha256"]


def test_scoring_the_training_texts_equals_raw_fasttext(corpus, trained):
    data, _ = corpus
    model_path, _ = trained
    scorer = FastTextQualityScorer(model_path)
    batch = data["pos"] + data["neg"]
    scores = scorer.score(batch)
    assert scores.dtype == np.float32 and scores.shape == (1000,)
    expected = [raw_hq(scorer.model, t) for t in batch]
    assert np.allclose(scores, expected, rtol=0, atol=0)
    assert (scores[:500] > 0.5).mean() > 0.95 and (scores[500:] < 0.5).mean() > 0.95
    assert scorer.score([]).shape == (0,)


def test_scorer_pickles_without_its_model_and_scores_the_other_label(trained):
    scorer = FastTextQualityScorer(trained[0])
    texts_ = ["The committee restored the old stone bridge.", "cheap flights best deals casino bonus"]
    scores = scorer.score(texts_)
    blob = pickle.dumps(scorer)
    assert len(blob) < 1000
    assert np.array_equal(pickle.loads(blob).score(texts_), scores)
    # fastText's two probabilities sum to one, give or take its 1e-5 smoothing of each.
    other = FastTextQualityScorer(trained[0], positive_label=LQ).score(texts_)
    assert np.allclose(other, 1 - scores, atol=1e-4)


def test_reruns_split_identically_and_train_on_a_dirty_heap(corpus, tmp_path):
    _, paths = corpus
    # Freed memory full of NaN floats: fastText with fewer than 11 threads would train on some of it.
    junk = [np.full(n, np.nan, dtype=np.float32) for n in range(16, 40_000, 97) for _ in range(3)]
    del junk
    runs = [train_quality_model(paths["pos"]["jsonl"], paths["neg"]["parquet"], tmp_path / f"{i}.bin",
                                hyperparams=SMALL, seed=seed) for i, seed in enumerate((3, 3, 4))]
    assert runs[0]["counts"] == runs[1]["counts"] != runs[2]["counts"]
    assert all(r["metrics"]["f1"] > 0.9 for r in runs)
    assert runs[0]["hyperparameters"]["seed"] == 3 and runs[0]["inputs"]["negatives"]["format"] == "parquet"
    assert runs[0]["hyperparameters"]["thread"] >= 11


def test_bad_records_are_skipped_and_counted_by_reason(corpus, tmp_path):
    data, paths = corpus
    lines = [json.dumps({"text": t}) for t in data["pos"]]
    lines[10:10] = ["{not json", json.dumps({"body": "no text field"}), json.dumps({"text": None}),
                    json.dumps({"text": 42}), json.dumps({"text": " \n "}), json.dumps(["a", "list"]), ""]
    positives = tmp_path / "pos.jsonl"
    positives.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe broken bytes\n")
    report = train_quality_model(positives, paths["neg"]["jsonl"], tmp_path / "q.bin", hyperparams=SMALL)
    assert report["inputs"]["positives"]["records"] == 500
    assert report["inputs"]["positives"]["skipped"] == {
        "empty_text": 1, "malformed_json": 1, "missing_text": 1, "not_an_object": 1, "null_text": 1,
        "text_not_a_string": 1, "undecodable_line": 1}
    assert report["metrics"]["f1"] > 0.9


def test_trains_from_one_labelled_input(corpus, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    data, _ = corpus
    records = [{"content": t, "label": 1} for t in data["pos"]] + [{"content": t, "label": 0}
                                                                   for t in data["neg"]]
    records.append({"content": "no label here"})
    random.Random(0).shuffle(records)
    write_jsonl(tmp_path / "data.jsonl", records)
    report = train_quality_model_from_labels(tmp_path / "data.jsonl", tmp_path / "q.bin", positive_label=1,
                                             text_field="content", hyperparams=SMALL)
    assert report["labels"] == {HQ: 1, LQ: 0} and report["label_field"] == "label"
    assert report["inputs"]["data"]["skipped"] == {"missing_label": 1}
    assert report["metrics"]["f1"] > 0.9 and report["metrics"]["roc_auc"] > 0.9
    # A label given as text (from the command line) matches an integer label; Parquet works the same.
    pq.write_table(pa.Table.from_pylist(records), tmp_path / "data.parquet")
    again = train_quality_model_from_labels(tmp_path / "data.parquet", tmp_path / "p.bin", positive_label="1",
                                            text_field="content", hyperparams=SMALL)
    assert again["counts"] == report["counts"]
    # Positives are the label 0 now: the classes swap.
    swapped = train_quality_model_from_labels(tmp_path / "data.jsonl", tmp_path / "s.bin", positive_label=0,
                                              text_field="content", hyperparams=SMALL)
    assert swapped["counts"]["train"] == {"hq": report["counts"]["train"]["lq"],
                                          "lq": report["counts"]["train"]["hq"]}


# Errors: one line each ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["missing", "garbage", "empty", "language_id"])
def test_a_model_that_is_not_a_quality_classifier_is_one_line(tmp_path, case):
    path = tmp_path / "quality.bin"
    if case == "garbage":
        path.write_bytes(b"not a fasttext model at all" * 100)
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "language_id":
        path = lid176_path()
    expected = {"missing": "does not exist", "garbage": "is not a fastText model",
                "empty": "is not a fastText model", "language_id": "not a quality classifier"}[case]
    one_line_error(lambda: FastTextQualityScorer(path).score(["hello"]), str(path), expected)


def test_an_unknown_positive_label_is_one_line(trained):
    one_line_error(lambda: FastTextQualityScorer(trained[0], positive_label="__label__good"),
                   "__label__good", HQ, LQ)


def _bad_inputs(tmp_path, good):
    (tmp_path / "plain.txt").write_text("just some text\nand more\n")
    (tmp_path / "table.csv").write_text("text,label\nhello,1\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "a.jsonl").write_text(json.dumps({"text": "x"}) + "\n")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 this is not really parquet")
    write_jsonl(tmp_path / "body.jsonl", [{"body": "the text is elsewhere"}] * 3)
    (tmp_path / "empty.jsonl").write_text("")
    write_jsonl(tmp_path / "blank.jsonl", [{"text": "  "}] * 3)
    return {
        "missing": ((tmp_path / "nope.jsonl", good), "does not exist"),
        "plain_text": ((tmp_path / "plain.txt", good), "is not JSONL, Parquet or a datasets.save_to_disk"),
        "csv": ((good, tmp_path / "table.csv"), "is not JSONL, Parquet"),
        "folder": ((tmp_path / "folder", good), "not written by datasets.Dataset.save_to_disk"),
        "broken_parquet": ((tmp_path / "broken.parquet", good), "not a readable Parquet file"),
        "no_text_field": ((tmp_path / "body.jsonl", good), "has no record with a 'text' field"),
        "both_empty": ((tmp_path / "empty.jsonl", tmp_path / "empty.jsonl"), "no training records"),
        "no_negatives": ((good, tmp_path / "empty.jsonl"), "no negative (__label__lq) records"),
        "no_positives": ((tmp_path / "blank.jsonl", good), "no positive (__label__hq) records"),
    }


@pytest.mark.parametrize("case", ["missing", "plain_text", "csv", "folder", "broken_parquet", "no_text_field",
                                  "both_empty", "no_negatives", "no_positives"])
def test_bad_training_inputs_are_one_line(corpus, tmp_path, case):
    _, paths = corpus
    (positives, negatives), expected = _bad_inputs(tmp_path, paths["pos"]["jsonl"])[case]
    one_line_error(lambda: train_quality_model(positives, negatives, tmp_path / "q.bin", hyperparams=SMALL),
                   expected)
    assert not (tmp_path / "q.bin").exists()
    assert not list(tmp_path.glob(".quality-train-*"))  # the temporary training files are gone


def test_a_parquet_or_datasets_input_without_the_text_column_is_one_line(corpus, tmp_path):
    _, paths = corpus
    for fmt in ("parquet", "datasets"):
        pos, neg = paths["pos"][fmt], paths["neg"][fmt]
        one_line_error(lambda pos=pos, neg=neg: train_quality_model(pos, neg, tmp_path / "q.bin",
                                                                    text_field="body"),
                       str(pos), "no 'body' column", "columns: text, id")


@pytest.mark.parametrize("labels, positive, expected", [
    ([0, 1, 2], 1, "are not two classes: 'label' has 0, 1, 2"),
    ([1, 1, 1], 1, "are not two classes: 'label' has only 1"),
    (["good", "bad"], "great", "positive label 'great' is not one of the labels"),
])
def test_labels_that_are_not_two_classes_are_one_line(tmp_path, labels, positive, expected):
    write_jsonl(tmp_path / "data.jsonl",
                [{"text": f"text number {i}", "label": labels[i % len(labels)]} for i in range(30)])
    one_line_error(lambda: train_quality_model_from_labels(tmp_path / "data.jsonl", tmp_path / "q.bin",
                                                           positive_label=positive), expected,
                   str(tmp_path / "data.jsonl"))


@pytest.mark.parametrize("kwargs, expected", [
    ({"hyperparams": {"wordNgram": 3}}, "unknown fastText hyperparameter 'wordNgram'"),
    ({"holdout": 1.5}, "holdout must be at least 0 and below 1"),
    ({"hyperparams": {"thread": 4}}, "thread must be at least 11, not 4"),
    ({"hyperparams": {"loss": "hinge"}}, "fastText refused the hyperparameters"),
    ({"hyperparams": {**SMALL, "lr": 1e6}}, "fastText training failed (Encountered NaN.): try a lower lr"),
])
def test_bad_training_options_are_one_line(corpus, tmp_path, kwargs, expected):
    _, paths = corpus
    one_line_error(lambda: train_quality_model(paths["pos"]["jsonl"], paths["neg"]["jsonl"],
                                               tmp_path / "q.bin", **kwargs), expected)


# The command ---------------------------------------------------------------------------------------

def test_cli_trains_a_model_and_writes_its_report(corpus, tmp_path):
    _, paths = corpus
    model = tmp_path / "models" / "quality.bin"
    result = run_cli("quality", "train", "--positive", str(paths["pos"]["parquet"]),
                     "--negative", str(paths["neg"]["datasets"]), "--out", str(model),
                     "--param", "bucket=50000", "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(model)
    assert "ROC AUC" in result.stderr and "held-out hq / lq" in result.stderr
    report = json.loads((tmp_path / "models" / "quality.bin.report.json").read_text())
    assert report["seed"] == 1 and report["hyperparameters"]["bucket"] == 50000
    assert report["metrics"]["f1"] > 0.9 and model.is_file()


def test_cli_bad_input_is_one_stderr_line(tmp_path):
    result = run_cli("quality", "train", "--positive", str(tmp_path / "nope.jsonl"),
                     "--negative", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "q.bin"))
    assert result.returncode == 2
    missing = tmp_path / "nope.jsonl"
    assert result.stderr.strip() == f"error: quality: positives input {missing} does not exist"
    assert result.stdout == ""


def test_cli_trains_from_labels_and_refuses_mixed_options(corpus, tmp_path):
    from typer.testing import CliRunner

    from flows.quality_cli import quality_app

    data, paths = corpus
    write_jsonl(tmp_path / "data.jsonl", [{"text": t, "label": "hq"} for t in data["pos"]]
                + [{"text": t, "label": "spam"} for t in data["neg"]])
    runner = CliRunner()
    ok = runner.invoke(quality_app, ["train", "--data", str(tmp_path / "data.jsonl"), "--positive-label",
                                     "hq", "--out", str(tmp_path / "q.bin"), "--param", "bucket=50000"])
    assert ok.exit_code == 0, ok.output
    assert json.loads((tmp_path / "q.bin.report.json").read_text())["labels"] == {HQ: "hq", LQ: "spam"}
    for args in (["--data", str(tmp_path / "data.jsonl")],
                 ["--data", str(tmp_path / "data.jsonl"), "--positive", str(paths["pos"]["jsonl"])],
                 ["--positive", str(paths["pos"]["jsonl"]), "--negative", str(paths["neg"]["jsonl"]),
                  "--param", "epoch"]):
        bad = runner.invoke(quality_app, ["train", *args, "--out", str(tmp_path / "x.bin")])
        assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
        assert bad.stderr.startswith("error: quality: ")
