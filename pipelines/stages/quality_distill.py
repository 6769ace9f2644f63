"""quality_distill: a model rates a sample of the documents, a fastText classifier learns the ratings and
scores every document (FineWeb-Edu's recipe: an LLM's labels distilled into a cheap classifier)."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from pipelines.errors import USER_ERRORS, PipelinesError
from pipelines.stages.base import Stage, StageRun
from pipelines.stages.synthesize import ROWS, SynthesizeStage
from pipelines.storage import file_lock

CLASSIFIER = "quality_classifier.bin"  # in the stage's output and the version; its report beside it
SAMPLE = "sample.jsonl"  # the rated documents (id, text), sorted by id
# What a rater may not set: it rates this stage's sample of the documents, every sample of it a label.
NOT_FOR_A_RATER = ("type", "input", "prompts", "seeds", "count", "against", "select", "negatives",
                   "calibrate")


class QualityDistillStage(Stage):
    """Rates a sample of the documents with a model, trains fastText on the ratings, keeps by its score."""

    type: Literal["quality_distill"]
    sample: int = Field(1000, ge=2)  # documents the model rates (FineWeb-Edu: 450,000 of FineWeb)
    seed: int = 0  # of the sample, the held-out split and fastText
    # The rating: a synthesize stage's fields (task, model, backend, base_url, sampling, options, ...).
    rater: dict[str, Any] = {}
    label_threshold: float = Field(3, ge=0)  # a mean rating at least this is a positive (FineWeb-Edu: 3)
    holdout: float = Field(0.2, gt=0, lt=1)  # of the labels, for the classifier's precision / recall / F1
    hyperparams: dict[str, Any] = {}  # over DCLM's fastText defaults, as `pipelines quality train --param`
    threshold: float = Field(0.5, ge=0, le=1)  # keep documents whose P(positive) is at least this

    modules = (*SynthesizeStage.modules, "pipelines.stages.synthesize", "pipelines.engines.datatrove.distill",
               "pipelines.engines.datatrove.quality", "transforms.distill", "transforms.quality",
               "transforms.selection", "transforms.fasttext_model")
    libraries = (*SynthesizeStage.libraries, "datatrove", "fasttext-numpy2-wheel", "scikit-learn")
    transient = True  # the rater may be a model server

    @model_validator(mode="after")
    def _rater(self) -> QualityDistillStage:
        taken = [k for k in NOT_FOR_A_RATER if k in self.rater]
        if taken:
            raise ValueError(f"rater.{taken[0]}: the rater rates this stage's sample of the documents; "
                             f"{taken[0]} is not one of its fields")
        try:
            self.rating()
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"rater.{where}: {first['msg'].removeprefix('Value error, ')}") from None
        return self

    def rating(self) -> SynthesizeStage:
        """The rating as a synthesize stage: FineWeb-Edu's prompt (edu_rating) unless the rater names
        another task with a score field."""
        # Greedy by default: a rating, not a sample of opinions (give sampling.n > 1 to average several).
        sampling = {"temperature": 0.0, **self.rater.get("sampling", {})}
        defaults = {"type": "synthesize", "task": "edu_rating", "config": "edu_labels"}
        return SynthesizeStage.model_validate({**defaults, **self.rater, "sampling": sampling})

    @classmethod
    def resolve_paths(cls, data: dict, base: Path) -> None:
        rater = data.get("rater")
        if isinstance(rater, dict):
            SynthesizeStage.resolve_paths(rater, base)

    def files(self) -> list[str]:
        return self.rating().files()

    def check(self) -> None:
        rating = self.rating()
        task = rating.make_task()
        score = task.schema["properties"].get("score", {})
        if score.get("type") not in ("integer", "number"):
            raise PipelinesError(f"rater.task: {rating.task} has no numeric score field to learn from")
        if set(task.inputs) - {"text"}:
            raise PipelinesError(f"rater.task: {rating.task} reads {', '.join(task.inputs)}; a rater is "
                                 "shown a document's text only")
        rating.check()

    def run(self, ctx: StageRun) -> dict:
        """Sample and rate (cached), train (cached), then score and filter every document."""
        from pipelines.engines.datatrove.cache import cache_reader, cache_writer, tally_drops
        from pipelines.engines.datatrove.quality import QualityScorer, ScoreFilter
        from pipelines.funnel import pipeline_funnel

        # The ratings and the classifier have their own cache keys: a new threshold rescores with the same
        # classifier (fastText's threads make every training a slightly different model), and a new
        # label_threshold retrains on the same ratings.
        labels_key = self._key(ctx, "labels")
        labels, labels_cached = self._cached(ctx, "labels", labels_key, lambda w: self._rate(ctx, w))
        model_key = self._key(ctx, "classifier", labels_key)
        model, model_cached = self._cached(ctx, "classifier", model_key, lambda w: self._train(labels, w))
        for name in (ROWS, "labels.json"):
            shutil.copy(labels / name, ctx.work / name)
        for name in (CLASSIFIER, f"{CLASSIFIER}.report.json"):
            shutil.copy(model / name, ctx.work / name)
        stats = ctx.run([cache_reader(ctx.previous), QualityScorer(str(ctx.upload(CLASSIFIER)),
                                                                   str(ctx.at("scores"))),
                         tally_drops(ScoreFilter(self.threshold, "below_threshold")),
                         cache_writer(ctx.at("data"))], ctx.at())
        result = pipeline_funnel(stats, self.drop_aliases)
        return result | self._report(ctx.fetch(), result, labels_cached, model_cached)

    def _key(self, ctx: StageRun, step: str, parent: str | None = None) -> str:
        from pipelines import settings
        from pipelines.fingerprint import FileHashes

        if step == "labels":
            hashes = FileHashes(settings.state_dir() / "input-hashes.json")
            rating = self.rating()
            data = {"documents": ctx.plan.stages[ctx.index - 1].fingerprint, "sample": self.sample,
                    "seed": self.seed, "rater": rating.model_dump(mode="json", exclude={"retries"}),
                    "files": [hashes.sha256(Path(f)) for f in rating.files()]}
            hashes.save()
        else:
            data = {"labels": parent, "label_threshold": self.label_threshold, "holdout": self.holdout,
                    "hyperparams": self.hyperparams, "seed": self.seed}
        blob = json.dumps({"step": step, **data, "code": self.code_version()}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    @staticmethod
    def _cached(ctx: StageRun, step: str, key: str, make: Callable[[Path], None]) -> tuple[Path, bool]:
        """A step's folder under the stage cache, made once per key (renamed into place when complete)."""
        final = ctx.plan.cache_dir / f"quality_distill-{step}" / key
        # Two builds that differ only after this step (another threshold) share it: one makes it, one waits.
        with file_lock(final.with_name(f"{key}.lock")):
            if final.is_dir():
                return final, True
            work = final.with_name(f"{key}.partial")
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            make(work)
            work.rename(final)
        return final, False

    def _rate(self, ctx: StageRun, work: Path) -> None:
        """The sample (the documents of smallest keyed hash of their id), rated by the model on Beam."""
        from pipelines import settings
        from pipelines.engines.beam import run_synthesis, shared_backend
        from pipelines.engines.datatrove.cache import cache_reader
        from pipelines.engines.datatrove.distill import SampleByKey, read_sample
        from pipelines.stages.synthesize import sort_rows
        from transforms.synth.funnels import FUNNELS

        # The sample's side files go with the stage's own work, where its tasks write.
        ctx.run([cache_reader(ctx.previous), SampleByKey(self.sample, self.seed, str(ctx.at("sample")))],
                ctx.at("sampling"))
        sample = read_sample(ctx.fetch("sample"), self.sample)
        with open(work / SAMPLE, "w") as f:  # by id, as the rated rows are sorted: training joins the two
            for doc in sorted(sample, key=lambda d: d["id"]):
                f.write(json.dumps(doc, ensure_ascii=False) + "\n")
        rating = self.rating()
        task, params, backend = rating.make_task(), rating.sampling_params(), rating.backend_spec()
        generations = str(settings.state_dir() / "generations.sqlite")
        records = [{"id": d["id"], "text": d["text"]} for d in sample]
        counts = run_synthesis(records, backend, task, params, generations, work / "beam", rating.chunk_size,
                               rating.runner, rating.beam_options) if records else {}
        rows, late = sort_rows(work / "beam", work / ROWS, task, rating.config_name)
        dropped = {k.removeprefix("rejected_"): v for k, v in counts.items() if k.startswith("rejected_")}
        for reason, n in late.items():
            dropped[reason] = dropped.get(reason, 0) + n
        units, dropped, _ = FUNNELS[task.graph](counts, rows, dropped, params.n)
        engine = shared_backend(backend)
        report = {"sampled": len(sample), "samples": units, "rows": rows,
                  "dropped": dict(sorted(dropped.items())),
                  "task": rating.task, "config": rating.config_name, "model": engine.model_id,
                  "model_revision": engine.revision, "sampling": params.as_dict(),
                  "template_sha256": task.template_sha256,
                  "generated_prompts": counts.get("generated_prompts", 0),
                  "cached_prompts": counts.get("cached_prompts", 0)}
        (work / "labels.json").write_text(json.dumps(report, indent=2))
        shutil.rmtree(work / "beam", ignore_errors=True)

    def _train(self, labels: Path, work: Path) -> None:
        """Each rated document's mean rating as a two-class label, and the classifier trained on them with
        `pipelines quality train --data`'s code."""
        from transforms.distill import distribution, ratings_by_document
        from transforms.quality import train_quality_model_from_labels

        means = []
        with open(labels / ROWS) as f, open(labels / SAMPLE) as docs, open(work / "train.jsonl", "w") as out:
            texts = _texts(json.loads(line) for line in docs)
            for doc_id, _, mean in ratings_by_document(json.loads(line) for line in f):
                means.append(mean)
                out.write(json.dumps({"id": doc_id, "text": texts(doc_id), "score": mean,
                                      "positive": mean >= self.label_threshold}, ensure_ascii=False) + "\n")
        positives = sum(m >= self.label_threshold for m in means)
        try:
            report = train_quality_model_from_labels(
                work / "train.jsonl", work / CLASSIFIER, positive_label=True, label_field="positive",
                holdout=self.holdout, seed=self.seed, hyperparams=self.hyperparams)
        except USER_ERRORS as e:
            why = str(e).replace(f" in {work / 'train.jsonl'}", "")  # a path in the cache means nothing
            raise PipelinesError(f"quality_distill: {why} ({positives} of {len(means)} rated documents have "
                                 f"a mean rating of at least label_threshold {self.label_threshold:g}): rate "
                                 "more documents (sample) or change label_threshold") from None
        report |= {"model": CLASSIFIER, "label_distribution": distribution(means),
                   "label_threshold": self.label_threshold}
        report["inputs"]["data"]["path"] = "train.jsonl"  # the sub-cache's path means nothing elsewhere
        (work / f"{CLASSIFIER}.report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")

    def _report(self, work: Path, result: dict, labels_cached: bool, model_cached: bool) -> dict:
        from pipelines.engines.datatrove.quality import read_scores
        from transforms.selection import histogram

        labels = json.loads((work / "labels.json").read_text())
        trained = json.loads((work / f"{CLASSIFIER}.report.json").read_text())
        kept = result["out"] / result["in"] if result["in"] else None
        return {
            "scores": histogram(read_scores(work / "scores")) | {"threshold": self.threshold,
                                                                 "keep_top": None},
            "distill": {
                "rating": labels, "label_distribution": trained["label_distribution"],
                "label_threshold": self.label_threshold, "classifier": CLASSIFIER,
                "metrics": trained["metrics"], "counts": trained["counts"], "holdout": self.holdout,
                "hyperparameters": trained["hyperparameters"], "threshold": self.threshold,
                "kept_fraction": None if kept is None else round(kept, 4),
                "cached_steps": {"labels": labels_cached, "classifier": model_cached},
            },
        }

    def add_to_version(self, plan, index: int, result: dict, folder: Path) -> list[Path]:
        """The classifier and its training report, the rated sample as config edu_labels, the scores' plot."""
        from pipelines.store.plots import scores_png
        from pipelines.store.writer import write_split

        if "distill" not in result:  # no documents reached the stage: nothing was rated or trained
            return []
        made = plan.cache_dir / plan.stages[index].fingerprint
        files = []
        for name in (CLASSIFIER, f"{CLASSIFIER}.report.json"):
            shutil.copy(made / name, folder / name)
            files.append(folder / name)
        rating, output = self.rating(), plan.recipe.output
        with open(made / ROWS) as f:
            files += write_split((json.loads(line) for line in f), rating.make_task().arrow_schema(),
                                 folder / "data" / rating.config_name, output.split,
                                 output.max_rows_per_shard, output.compression, output.max_shard_bytes)
        result["scores"]["plot"] = "quality_scores.png"
        files.append(scores_png(result["scores"], folder / "quality_scores.png"))
        return files

    def version_configs(self, result: dict, split: str) -> dict[str, dict]:
        if "distill" not in result:
            return {}
        rating = result["distill"]["rating"]
        return {rating["config"]: {"record_type": rating["task"], "rows": rating["rows"],
                                   "path": f"data/{rating['config']}/{split}-*.parquet"}}

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        return "".join(_distillation(stage) for stage in results if "distill" in stage)


def _distillation(stage: dict) -> str:
    """One distillation stage in the card: the labels, the classifier's held-out figures, what it kept."""
    d = stage["distill"]
    r, m, counts = d["rating"], d["metrics"], d["counts"]

    def figure(value):
        return "undefined" if value is None else f"{value:.3f}"

    ratings = " | ".join(d["label_distribution"])
    dropped = ", ".join(f"{n} {reason}" for reason, n in r["dropped"].items()) or "none"
    kept = "undefined" if d["kept_fraction"] is None else f"{d['kept_fraction']:.1%}"
    plot = stage["scores"].get("plot", "quality_scores.png")
    return f"""
## Classifier distillation

As FineWeb-Edu made its classifier: {r['model']} (`{r['model_revision']}`) rated {r['rows']:,} of
{r['sampled']:,} documents sampled from the curated ones (a keyed hash of their ids) 0-5 for educational value
with FineWeb-Edu's additive prompt (task `{r['task']}`, template `{r['template_sha256']}`; completions that
were not a rating: {dropped}); each rating and its rationale is config `{r['config']}`. A mean rating of at
least {d['label_threshold']:g} is a positive label. Ratings of the documents:

| rating | {ratings} |
|---|{'---:|' * len(d['label_distribution'])}
| documents | {' | '.join(str(n) for n in d['label_distribution'].values())} |

A fastText classifier (`pipelines quality train`'s code, DCLM's hyperparameters) learned the labels:
`{d['classifier']}`, its report beside it. On the held-out {d['holdout']:.0%} of the labels
({counts['held_out']['hq']} positive, {counts['held_out']['lq']} negative; trained on
{counts['train']['hq']} / {counts['train']['lq']}), at P(positive) 0.5:

| precision | recall | F1 | ROC AUC |
|---:|---:|---:|---:|
| {figure(m['precision'])} | {figure(m['recall'])} | {figure(m['f1'])} | {figure(m['roc_auc'])} |

It scored all {stage['in']:,} documents: {stage['out']:,} ({kept}) reached P(positive) >= {d['threshold']:g}
and were kept (`quality_score` in each row).

![Histogram of the classifier's scores with the threshold]({plot})
"""


def _texts(docs: Iterator[dict]) -> Callable[[str], str]:
    """text(id) for ids asked in increasing order, from documents sorted by id: one pass, nothing held."""
    current = {"id": None}

    def text(doc_id: str) -> str:
        while current["id"] is None or current["id"] < doc_id:
            current.update(next(docs))
        return current["text"]

    return text
