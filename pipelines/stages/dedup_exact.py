"""dedup_exact: one record of each set of exact copies (after normalising case, punctuation, whitespace)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pipelines.stages.base import StageRun
from pipelines.stages.records import RecordStage


class DedupStage(RecordStage):
    """What the dedup stages share: datatrove's four passes, the side table and the card section."""

    fields_on_documents = True
    modules = ("pipelines.engines.datatrove.dedup", "pipelines.engines.datatrove.records", "transforms.dedup")

    def signature(self, signatures: str, order: str):
        raise NotImplementedError

    def report(self) -> dict:
        return {}

    def run(self, ctx: StageRun) -> dict:
        """datatrove's four dedup passes: sign every record, pair equal bucket signatures, cluster the pairs
        (the first copy in input order survives), then drop the rest and write the cluster side table."""
        from pipelines.engines.datatrove import dedup
        from pipelines.funnel import pipeline_funnel

        signatures, order = str(ctx.at("signatures")), str(ctx.at("order"))
        sign, config, reason = self.signature(signatures, order)
        ctx.run([self.reader(ctx), sign], ctx.at("sign"))
        pairs, clusters = str(ctx.at("pairs")), str(ctx.at("clusters"))
        ctx.run([dedup.buckets_step(signatures, pairs, config)], ctx.at("bucket"), tasks=config.num_buckets)
        ctx.run([dedup.InputOrderCluster(pairs, clusters, config, order)], ctx.at("cluster"), tasks=1)
        keep = dedup.ClusterFilter(clusters, str(ctx.at("table")), reason)
        stats = ctx.run([self.reader(ctx), keep, self.writer(ctx)], ctx.at())
        counts = dedup.write_cluster_table(ctx.fetch("table"), ctx.work / "clusters.parquet")
        return pipeline_funnel(stats, self.drop_aliases) | {"dedup": {
            "keep": dedup.KEEP_RULE, "fields": self.fields or [self.default_text], **self.report(), **counts}}

    def add_to_version(self, plan, index: int, result: dict, folder: Path) -> list[Path]:
        """The side table (every clustered record, its cluster, kept or not) goes into the version."""
        import shutil

        table = folder / "dedup" / f"{index}-{result['name']}.parquet"
        table.parent.mkdir(exist_ok=True)
        shutil.copyfile(plan.cache_dir / plan.stages[index].fingerprint / "clusters.parquet", table)
        result["dedup"]["table"] = str(table.relative_to(folder))
        return [table]

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        rows = []
        for stage in results:
            d = stage["dedup"]
            how = (f"MinHash LSH, {d['shingle_size']}-word shingles, {d['bands']} bands x {d['rows']} rows "
                   f"(Jaccard threshold ~{d['threshold']})" if "bands" in d else "normalised text hash")
            rows.append(f"| {stage['name']} | {how} | {', '.join(d['fields'])} | {d['clusters']:,} | "
                        f"{d['removed']:,} | `{d.get('table', '')}` |")
        return f"""
## Deduplication

In each cluster of copies the one {results[0]["dedup"]["keep"]} is kept. Every clustered record, its
cluster and whether it was kept are in the side table named below.

| stage | method | fields | clusters | removed | side table |
|---|---|---|---:|---:|---|
{chr(10).join(rows)}
"""


class ExactDedupStage(DedupStage):
    """Keeps the first record of each set of copies with the same normalised text (numbers kept)."""

    type: Literal["dedup_exact"]
    libraries = ("datatrove", "xxhash")

    def signature(self, signatures: str, order: str):
        from pipelines.engines.datatrove import dedup

        return dedup.ExactSignature(signatures, order, self.fields), dedup.exact_config(), "duplicate"
