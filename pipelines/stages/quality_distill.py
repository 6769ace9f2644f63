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
from pipelines.stages.base import ROWS, BarrierStage, StageContext, VersionContext
from pipelines.stages.synthesize import SynthesizeStage

CLASSIFIER = "quality_classifier.bin"  # in the stage's output and the version; its report beside it
SAMPLE = "sample.jsonl"  # the rated documents (id, text), sorted by id
# What a rater may not set: it rates this stage's sample of the documents, every sample of it a label.
NOT_FOR_A_RATER = ("type", "input", "prompts", "seeds", "count", "against", "select", "negatives",
                   "calibrate")


class QualityDistillStage(BarrierStage):
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

    def fingerprint_params(self) -> dict:
        # Where the rater runs (its tasks, resources, a runner) changes no rating.
        params = super().fingerprint_params()
        params["rater"] = {k: v for k, v in params["rater"].items() if k not in SynthesizeStage.placement}
        return params

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

    def run(self, ctx: StageContext) -> dict:
        """Sample and rate (cached), train (cached), then score and filter every document."""
        from pipelines.engines.datatrove.cache import cache_reader, cache_writer, tally_drops
        from pipelines.engines.datatrove.quality import QualityScorer, ScoreFilter
        from pipelines.funnel import pipeline_funnel

        # The ratings and the classifier have their own cache keys: a new threshold rescores with the same
        # classifier (fastText's threads make every training a slightly different model), and a new
        # label_threshold retrains on the same ratings.
        labels_key = self._key(ctx, "labels")
        labels, labels_cached = ctx.cached("quality_distill-labels", labels_key, lambda w: self._rate(ctx, w))
        model_key = self._key(ctx, "classifier", labels_key)
        model, model_cached = ctx.cached("quality_distill-classifier", model_key,
                                         lambda w: self._train(labels, w))
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

    def _key(self, ctx: StageContext, step: str, parent: str | None = None) -> str:
        from pipelines import settings
        from pipelines.fingerprint import FileHashes

        if step == "labels":
            hashes = FileHashes(settings.state_dir() / "input-hashes.json")
            rating = self.rating()
            data = {"documents": ctx.input_fingerprint, "sample": self.sample,
                    "seed": self.seed, "rater": rating.fingerprint_params(),
                    "files": [hashes.sha256(Path(f)) for f in rating.files()]}
            hashes.save()
        else:
            data = {"labels": parent, "label_threshold": self.label_threshold, "holdout": self.holdout,
                    "hyperparams": self.hyperparams, "seed": self.seed}
        blob = json.dumps({"step": step, **data, "code": self.code_version()}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def _rate(self, ctx: StageContext, work: Path) -> None:
        """The sample (the documents of smallest keyed hash of their id), rated by the model on Beam."""
        from pipelines.engines.backends import shared_backend
        from pipelines.engines.datatrove.cache import cache_reader
        from pipelines.engines.datatrove.distill import SampleByKey, read_sample
        from pipelines.synthesis import records_of
        from transforms.synth.funnels import FUNNELS
        from transforms.synth.rows import sort_rows

        # The sample's side files go with the stage's own work, where its tasks write.
        ctx.run([cache_reader(ctx.previous), SampleByKey(self.sample, self.seed, str(ctx.at("sample")))],
                ctx.at("sampling"))
        sample = read_sample(ctx.fetch("sample"), self.sample)
        with open(work / SAMPLE, "w") as f:  # by id, as the rated rows are sorted: training joins the two
            for doc in sorted(sample, key=lambda d: d["id"]):
                f.write(json.dumps(doc, ensure_ascii=False) + "\n")
        rating = self.rating()
        task, params, backend = rating.make_task(), rating.sampling_params(), rating.backend_spec()
        records = [{"id": d["id"], "text": d["text"]} for d in sample]
        generation = rating.generation()
        counts, out = generation.run(ctx, records, backend, task, params, "rating") if records else ({}, None)
        rows, late = sort_rows(records_of(out, "rows") if out else [], work / ROWS, task, rating.config_name)
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

    def _train(self, labels: Path, work: Path) -> None:
        """Each rated document's mean rating as a two-class label, and the classifier trained on them with
        `pipelines quality train --data`'s code."""
        from transforms.distill import distribution, ratings_by_document
        from transforms.quality_train import train_quality_model_from_labels

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

    def add_to_version(self, out: VersionContext, result: dict) -> list[Path]:
        """The classifier and its training report, the rated sample as config edu_labels, the scores' plot."""
        from pipelines.store.charts import scores_png

        if "distill" not in result:  # no documents reached the stage: nothing was rated or trained
            return []
        files = []
        for name in (CLASSIFIER, f"{CLASSIFIER}.report.json"):
            shutil.copy(out.made / name, out.folder / name)
            files.append(out.folder / name)
        rating = self.rating()
        with open(out.made / ROWS) as f:
            files += out.write_split((json.loads(line) for line in f), rating.make_task().arrow_schema(),
                                     rating.config_name)
        result["scores"]["plot"] = "quality_scores.png"
        files.append(scores_png(result["scores"], out.folder / "quality_scores.png"))
        return files

    def version_configs(self, result: dict, split: str) -> dict[str, dict]:
        if "distill" not in result:
            return {}
        rating = result["distill"]["rating"]
        return {rating["config"]: {"record_type": rating["task"], "rows": rating["rows"],
                                   "path": f"data/{rating['config']}/{split}-*.parquet"}}

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        from pipelines.render import render

        return "".join(render("distillation.md.j2", stage=stage) for stage in results if "distill" in stage)


def _texts(docs: Iterator[dict]) -> Callable[[str], str]:
    """text(id) for ids asked in increasing order, from documents sorted by id: one pass, nothing held."""
    current = {"id": None}

    def text(doc_id: str) -> str:
        while current["id"] is None or current["id"] < doc_id:
            current.update(next(docs))
        return current["text"]

    return text
