"""What the dedup stages share: datatrove's four passes, the references a stage matches against (`against`),
the side table, the index kept in the version, and the card section."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import PrivateAttr, model_validator

from pipelines import storage
from pipelines.references import IndexSource, Reference, resolve
from pipelines.stages.base import BarrierStage, PlanContext, StageContext, VersionContext, absolute
from pipelines.stages.records import RecordStage

MAX_RECORD_BYTES = 2_000_000  # a corpus record's text at most, as the recipe input's default


class DedupStage(RecordStage, BarrierStage):
    """What the dedup stages share: datatrove's four passes, references, the side table and the index."""

    fields_on_documents = True
    reason: ClassVar[str] = "duplicate"  # the drop reason of a copy within the build

    # Datasets of the store (a version's index) or corpora of files: a record of this build that one of them
    # holds is removed (action: remove) or kept and named in the side table (mark); theirs never change.
    against: list[Reference] = []
    only_against: bool = False  # keep copies within this build; remove only what the references hold
    action: Literal["remove", "mark"] = "remove"
    index: bool = True  # keep the stage's index in the version, for later builds to match against
    _sources: list[IndexSource] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _needs_references(self) -> DedupStage:
        if not self.against:
            for name, default in (("only_against", False), ("action", "remove")):
                if getattr(self, name) != default:
                    raise ValueError(f"{name}: applies to records found in references; give `against`")
        return self

    def minhash_config(self):
        raise NotImplementedError

    def signer(self, at: dict[str, str], fields: list[str] | None):
        """Its signature step: signatures, input order and ids under the folders `at` names."""
        raise NotImplementedError

    def index_params(self) -> dict:
        """What an index must have been made with for this stage to match against it."""
        raise NotImplementedError

    def report(self) -> dict:
        return {}

    @classmethod
    def resolve_paths(cls, data: dict, base: Path) -> None:
        super().resolve_paths(data, base)
        for ref in data.get("against") or []:
            for name in ("path", "out"):
                if isinstance(ref, dict) and isinstance(ref.get(name), str) and not storage.is_url(ref[name]):
                    ref[name] = absolute(ref[name], base)

    def resolve(self, ctx: PlanContext) -> None:
        """The references' indexes, pinned: a new version of one (an edited corpus file) reruns the stage."""
        if self.against:
            self._sources = resolve(self.against, self.type, self.index_params(), ctx)

    def fingerprint_params(self) -> dict:
        params = super().fingerprint_params()
        if self.against:
            params["resolved"] = [source.fingerprint for source in self._sources]
        return params

    def run(self, ctx: StageContext) -> dict:
        """datatrove's dedup passes: sign every record, pair equal bucket signatures, find signatures in the
        references' indexes, cluster (the first copy in input order survives; a reference's record before
        all), then drop the rest and write the cluster side table."""
        from pipelines.engines.datatrove import dedup
        from pipelines.engines.datatrove.dedup_cluster import InputOrderCluster
        from pipelines.engines.datatrove.dedup_match import IndexMatch
        from pipelines.funnel import pipeline_funnel

        config = self.minhash_config()
        at = {name: str(ctx.at(name)) for name in ("signatures", "order", "ids", "pairs", "matches",
                                                   "clusters", "table")}
        signed = ctx.run([self.reader(ctx), self.signer(at, self.fields)], ctx.at("sign"))[1].get("total", 0)
        if not self.only_against:
            ctx.run([dedup.buckets_step(at["signatures"], at["pairs"], config)], ctx.at("bucket"),
                    tasks=config.num_buckets)
        indexes = [self._index(ctx, source) for source in self._sources]
        if indexes:
            ctx.run([IndexMatch(at["signatures"], [i["location"] for i in indexes], at["matches"], config)],
                    ctx.at("match"), tasks=config.num_buckets)
        cluster = InputOrderCluster(at["pairs"], at["clusters"], config, at["order"],
                                    at["matches"] if indexes else None, [i["location"] for i in indexes],
                                    self.action, pairs=not self.only_against)
        ctx.run([cluster], ctx.at("cluster"), tasks=1)
        keep = dedup.ClusterFilter(at["clusters"], at["table"], self.reason, bool(self.against), self.action)
        stats = ctx.run([self.reader(ctx), keep, self.writer(ctx)], ctx.at())
        labels = [source.label for source in self._sources] if self.against else None
        counts = dedup.write_cluster_table(ctx.fetch("table"), ctx.work / "clusters.parquet", labels)
        report = {"keep": dedup.KEEP_RULE, "fields": self.fields or [self.default_text], **self.report(),
                  "config": self.input, "signed": int(signed), "input_fingerprint": ctx.input_fingerprint}
        if self.against:
            present, marked = counts.pop(dedup.PRESENT), counts.pop("marked")
            report |= {"action": self.action, "only_against": self.only_against, "against": [
                source.report() | index | {"removed": present[source.label], "marked": marked[source.label]}
                for source, index in zip(self._sources, indexes, strict=True)]}
        return pipeline_funnel(stats, self.drop_aliases) | {"dedup": report | counts}

    def _index(self, ctx: StageContext, source: IndexSource) -> dict:
        """Where a reference's index is: a version's, or a corpus's, made once per content and reused."""
        if source.location is not None:
            return {"location": source.location}
        key = hashlib.sha256(json.dumps([source.fingerprint, self.index_params(), self.code_version()])
                             .encode()).hexdigest()
        folder, reused = ctx.cached("dedup-corpus", key, lambda made: self._index_corpus(ctx, source, made))
        made = json.loads((folder / "index.json").read_text())
        return {"location": str(ctx.shared(folder)), "records": made["records"],
                "indexed": 0 if reused else made["signed"]}

    def _index_corpus(self, ctx: StageContext, source: IndexSource, folder: Path) -> None:
        """Sign a corpus's records once (its text fields joined) and keep their index in `folder`."""
        import shutil

        from pipelines.engines.datatrove.dedup_index import write_index
        from pipelines.engines.datatrove.records import JsonlRecordReader, ParquetRecordReader

        work, info = f"corpus-{source.reference}", source.info
        root, relative = storage.read_root(info["files"])
        listing = ctx.at(work, "inputs.txt")
        if isinstance(listing, Path):
            listing.parent.mkdir(parents=True, exist_ok=True)
        storage.write_bytes(listing, ("\n".join(relative) + "\n").encode())
        reader = (JsonlRecordReader if info["format"] == "jsonl" else ParquetRecordReader)(
            root, str(listing), info["text_fields"], info["id_field"], MAX_RECORD_BYTES,
            {rel: i for i, rel in enumerate(relative)})
        at = {name: str(ctx.at(work, name)) for name in ("signatures", "order", "ids")}
        signed = ctx.run([reader, self.signer(at, None)], ctx.at(work))[1].get("total", 0)
        local = ctx.fetch(work)
        _, counts = write_index(local, folder, self.minhash_config(), "corpus")
        (folder / "index.json").write_text(json.dumps({"signed": int(signed), **counts}))
        shutil.rmtree(local, ignore_errors=True)  # its signatures live on in the index

    def add_to_version(self, out: VersionContext, result: dict) -> list[Path]:
        """The side table (every clustered record, its cluster, kept or not; with references, which one and
        the matched record's id) goes into the version, and the index of what the stage kept."""
        import shutil

        table = out.folder / "dedup" / f"{out.index}-{result['name']}.parquet"
        table.parent.mkdir(exist_ok=True)
        shutil.copyfile(out.made / "clusters.parquet", table)
        result["dedup"]["table"] = str(table.relative_to(out.folder))
        files = [table]
        if self.index and (out.made / "ids").is_dir():
            from pipelines.engines.datatrove.dedup_index import write_index

            folder = out.folder / "index" / f"{out.index}-{result['name']}"
            written, counts = write_index(out.made, folder, self.minhash_config(), self.type)
            result["dedup"]["index"] = {"path": str(folder.relative_to(out.folder)),
                                        "params": self.index_params(), **counts}
            files += written
        return files

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        from pipelines.render import render

        return render("dedup.md.j2", stages=results)
