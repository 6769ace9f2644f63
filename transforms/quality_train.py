"""Training a fastText quality classifier (DCLM style) on the user's own data, evaluated on a held-out split
through the very scorer that builds run."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from transforms.errors import TransformError
from transforms.hashing import sha256_file
from transforms.quality_score import HQ, LQ, FastTextQualityScorer, normalize
from transforms.table_files import MISSING, NotATable, TableReader

BATCH = 8192  # held-out lines scored at a time

# fastText's DenseMatrix::uniform hands each training thread one tenth of the input matrix to initialise, so
# with fewer than 11 threads part of it keeps whatever memory it was given: zeros when that memory is fresh,
# garbage when it is reused (NaN losses and different models from one run to the next in one process, seen
# with this wheel). Training therefore always runs at least 11 threads; the split stays reproducible, the
# weights are not (fastText's lock-free threads never were).
MIN_THREADS = 11

# DCLM's OH-2.5 + ELI5 classifier (mlfoundations/dclm, baselines/README.md, "Training your own fasttext
# classifiers"): `train_fasttext_classifier.py --wordNgrams 2`, every other value left at that script's
# defaults (lr 0.1, dim 100, ws 5, epoch 5, minCount 1), which it passes on to fasttext.train_supervised;
# the rest are fastText's own supervised defaults, spelled out so the report says what was used.
DCLM_HYPERPARAMS: dict[str, Any] = {
    "lr": 0.1, "dim": 100, "ws": 5, "epoch": 5, "minCount": 1, "wordNgrams": 2,
    "minCountLabel": 0, "minn": 0, "maxn": 0, "neg": 5, "loss": "softmax", "bucket": 2_000_000,
    "thread": max(MIN_THREADS, (os.cpu_count() or 1) - 1), "lrUpdateRate": 100, "t": 1e-4,
}


class _Input:
    """One training input (JSONL, Parquet or a `save_to_disk` folder), read as a stream of columns."""

    def __init__(self, path: str | Path, role: str):
        self.path, self.role = Path(path), role
        self.skipped: Counter[str] = Counter()
        try:
            self._table = TableReader(self.path, "train", skipped=self.skipped)
        except NotATable as e:
            raise self._error(str(e)) from None
        self.format = self._table.format
        self.kept = 0

    def _error(self, what: str) -> TransformError:
        return TransformError(f"quality: {self.role} input {self.path} {what}")

    def fingerprint(self) -> dict[str, str]:
        """sha256 of the file, or of each file inside the datasets folder."""
        if self.path.is_file():
            return {self.path.name: sha256_file(self.path)}
        return {p.relative_to(self.path).as_posix(): sha256_file(p)
                for p in sorted(self.path.rglob("*")) if p.is_file()}

    def rows(self, fields: list[str]) -> Iterator[tuple]:
        """Each record's values of `fields` (MISSING where it lacks one); unreadable records are counted."""
        columns = self._table.columns
        if self.format != "jsonl":
            # A columnar input lacks a field in every record or in none: say so before reading it all.
            for field in fields:
                if field not in columns:
                    raise self._error(f"has no {field!r} column (columns: {', '.join(columns)})")
        try:
            for _, values in self._table.rows(fields):
                yield values
        except NotATable as e:  # a truncated or damaged gzip file
            raise self._error(str(e)) from None


def _text_of(value, source: _Input) -> str | None:
    """The normalized text of a record's text value, or None (counted by reason) if it has none."""
    if value is MISSING:
        source.skipped["missing_text"] += 1
    elif value is None:
        source.skipped["null_text"] += 1
    elif not isinstance(value, str):
        source.skipped["text_not_a_string"] += 1
    else:
        text = normalize(value)
        if "__label__" in text:
            # fastText would read such a word as one more label in training, and ignores it when
            # predicting: dropping it here keeps training as prediction sees the text.
            text = " ".join(w for w in text.split(" ") if not w.startswith("__label__"))
        if text:
            return text
        source.skipped["empty_text"] += 1
    return None


def _held_out(text: str, holdout: float, key: bytes) -> bool:
    """Whether a text is held out: by a keyed hash of it, so a rerun splits identically."""
    # Equal texts land on the same side, so a duplicate never leaks from training into evaluation.
    digest = hashlib.blake2b(text.encode(), digest_size=8, key=key).digest()
    return int.from_bytes(digest) < holdout * 2**64


def _hyperparams(overrides: dict | None, seed: int) -> dict[str, Any]:
    """DCLM's hyperparameters with the user's overrides; an unknown name is a mistake."""
    # `label` is not among them: hq / lq is our label space. `verbose` is fastText's progress output.
    params = {**DCLM_HYPERPARAMS, "seed": seed, "verbose": 0}
    for name, value in (overrides or {}).items():
        if name not in params:
            raise TransformError(f"quality: unknown fastText hyperparameter {name!r} "
                                 f"(known: {', '.join(sorted(params, key=str.lower))})")
        params[name] = value
    if not isinstance(params["thread"], int) or params["thread"] < MIN_THREADS:
        raise TransformError(f"quality: thread must be at least {MIN_THREADS}, not {params['thread']!r} "
                             "(fastText leaves part of its input matrix uninitialised with fewer)")
    return params


def train_quality_model(
    positives: str | Path, negatives: str | Path, out_path: str | Path, *, text_field: str = "text",
    holdout: float = 0.1, seed: int = 0, hyperparams: dict | None = None,
) -> dict:
    """Train a hq / lq fastText classifier on a positives and a negatives input; return its report."""
    sources = [_Input(positives, "positives"), _Input(negatives, "negatives")]

    def examples() -> Iterator[tuple[str, str]]:
        for label, source in zip((HQ, LQ), sources, strict=True):
            yield from _labelled(source, text_field, None, lambda _, label=label: label)

    return _train(sources, examples, out_path, text_field=text_field, holdout=holdout, seed=seed,
                  hyperparams=hyperparams, extra={})


def train_quality_model_from_labels(
    data: str | Path, out_path: str | Path, *, positive_label: Any, label_field: str = "label",
    text_field: str = "text", holdout: float = 0.1, seed: int = 0, hyperparams: dict | None = None,
) -> dict:
    """Train on one input whose `label_field` holds exactly two classes; `positive_label` is the hq one."""
    source = _Input(data, "data")
    positive = _label_key(positive_label)
    seen: dict[str, Any] = {}

    def to_label(value) -> str:
        key = _label_key(value)
        if key not in seen:
            seen[key] = value
            if len(seen) > 2:
                raise TransformError(f"quality: labels in {source.path} are not two classes: {label_field!r} "
                                     f"has {', '.join(map(repr, seen.values()))}, ...")
        return HQ if key == positive else LQ

    def examples() -> Iterator[tuple[str, str]]:
        yield from _labelled(source, text_field, label_field, to_label)
        if len(seen) < 2:
            found = f"only {next(iter(seen.values()))!r}" if seen else "no labels"
            raise TransformError(f"quality: labels in {source.path} are not two classes: {label_field!r} "
                                 f"has {found}")
        if positive not in seen:
            raise TransformError(f"quality: positive label {positive_label!r} is not one of the labels in "
                                 f"{source.path}: {', '.join(map(repr, seen.values()))}")
        # Read by the report, which is written once training is done.
        extra["labels"] = {HQ: seen[positive], LQ: next(v for k, v in seen.items() if k != positive)}

    extra: dict[str, Any] = {"label_field": label_field, "positive_label": positive_label}
    return _train([source], examples, out_path, text_field=text_field, holdout=holdout, seed=seed,
                  hyperparams=hyperparams, extra=extra)


def _label_key(value) -> str:
    # Labels compare as text, so `--positive-label 1` on the command line matches the integer 1.
    return str(value).lower() if isinstance(value, bool) else str(value)


def _labelled(source: _Input, text_field: str, label_field: str | None,
              to_label: Callable[[Any], str]) -> Iterator[tuple[str, str]]:
    """(fastText label, normalized text) for each usable record of a source."""
    fields = [text_field] if label_field is None else [text_field, label_field]
    for values in source.rows(fields):
        label = None
        if label_field is not None:
            if values[1] is MISSING or values[1] is None:
                source.skipped["missing_label"] += 1
                continue
            label = values[1]
        text = _text_of(values[0], source)
        if text is None:
            continue
        source.kept += 1
        yield to_label(label), text
    if not source.kept and source.skipped["missing_text"]:
        raise TransformError(f"quality: {source.role} input {source.path} has no record with a "
                             f"{text_field!r} field (set the text field)")


def _train(sources: list[_Input], examples: Callable[[], Iterator[tuple[str, str]]], out_path: str | Path,
           *, text_field: str, holdout: float, seed: int, hyperparams: dict | None, extra: dict) -> dict:
    import fasttext

    if not 0 <= holdout < 1:
        raise TransformError(f"quality: holdout must be at least 0 and below 1, not {holdout}")
    params = _hyperparams(hyperparams, seed)
    out_path = Path(out_path)
    if out_path.is_dir():
        raise TransformError(f"quality: output {out_path} is a folder: give a model file path, e.g. "
                             f"{out_path}/quality.bin")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    counts = {"train": Counter(), "held_out": Counter()}
    # Beside the model rather than in /tmp: a large corpus's training file may not fit there.
    with tempfile.TemporaryDirectory(prefix=".quality-train-", dir=out_path.parent) as work:
        train_file, held_file = Path(work, "train.txt"), Path(work, "held_out.txt")
        key = str(seed).encode()
        with open(train_file, "w", encoding="utf-8") as train, open(held_file, "w", encoding="utf-8") as held:
            for label, text in examples():
                split = "held_out" if holdout and _held_out(text, holdout, key) else "train"
                (held if split == "held_out" else train).write(f"{label} {text}\n")
                counts[split][label] += 1
        _check_classes(sources, counts, holdout)
        try:
            model = fasttext.train_supervised(input=str(train_file), **params)
        except RuntimeError as e:  # "Encountered NaN.": the training diverged
            raise TransformError(f"quality: fastText training failed ({e}): try a lower lr than "
                                 f"{params['lr']}") from None
        except (TypeError, ValueError) as e:  # a hyperparameter of the wrong type or value
            raise TransformError(f"quality: fastText refused the hyperparameters ({e})") from None
        scorer = FastTextQualityScorer(out_path)
        scorer._model = model  # evaluate through the very scoring path users will run
        metrics = _evaluate(scorer, held_file)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    model.save_model(str(tmp))
    os.replace(tmp, out_path)  # never a half-written model under the final name
    report = {
        "model": str(out_path),
        "metrics": metrics,
        "counts": {split: {"hq": c[HQ], "lq": c[LQ]} for split, c in counts.items()},
        "inputs": {s.role: {"path": str(s.path), "format": s.format, "records": s.kept,
                            "skipped": dict(sorted(s.skipped.items())), "sha256": s.fingerprint()}
                   for s in sources},
        "hyperparameters": {k: v for k, v in params.items() if k != "verbose"},
        "text_field": text_field, **extra, "holdout": holdout, "seed": seed,
        "normalization": "DCLM: one line, whitespace runs to one space, stripped, case kept",
    }
    _write_json(out_path.with_name(out_path.name + ".report.json"), report)
    return report


def _check_classes(sources: list[_Input], counts: dict[str, Counter], holdout: float) -> None:
    """Fail before training on data that cannot make a two-class classifier."""
    total = counts["train"] + counts["held_out"]
    where = " and ".join(str(s.path) for s in sources)
    if not total:
        skipped = sum((s.skipped for s in sources), Counter())
        why = f" ({', '.join(f'{n} {r}' for r, n in skipped.most_common())} skipped)" if skipped else ""
        raise TransformError(f"quality: no training records in {where}{why}")
    for label, name in ((HQ, "positive"), (LQ, "negative")):
        if not total[label]:
            raise TransformError(f"quality: no {name} ({label}) records in {where}: a classifier needs "
                                 "both classes")
        if not counts["train"][label]:
            raise TransformError(f"quality: every {name} record fell in the held-out {holdout:.0%}: "
                                 "add data or lower the holdout")


def _evaluate(scorer: FastTextQualityScorer, held_file: Path) -> dict:
    """Precision, recall, F1 (positive class at 0.5) and ROC AUC on the held-out split."""
    from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

    truth, scores = [], []
    with open(held_file, encoding="utf-8") as f:
        while lines := list(itertools.islice(f, BATCH)):
            labels, texts = zip(*(line.rstrip("\n").split(" ", 1) for line in lines), strict=True)
            truth.extend(label == HQ for label in labels)
            scores.append(scorer.score(list(texts)))
    y = np.array(truth, dtype=bool)
    s = np.concatenate(scores) if scores else np.empty(0, np.float32)
    metrics: dict[str, float | None] = {"threshold": 0.5}
    if len(y):
        predicted = s >= 0.5
        metrics |= {"precision": float(precision_score(y, predicted, zero_division=0)),
                    "recall": float(recall_score(y, predicted, zero_division=0)),
                    "f1": float(f1_score(y, predicted, zero_division=0))}
    else:
        metrics |= {"precision": None, "recall": None, "f1": None}
    # ROC AUC needs both classes among the held-out records.
    metrics["roc_auc"] = float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else None
    return metrics


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(tmp, path)
