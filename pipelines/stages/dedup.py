"""What the dedup stages share: datatrove's four passes, the side table and the card section."""

from __future__ import annotations

from pathlib import Path

from pipelines.stages.base import BarrierStage, StageContext, VersionContext
from pipelines.stages.records import RecordStage


class DedupStage(RecordStage, BarrierStage):
    """What the dedup stages share: datatrove's four passes, the side table and the card section."""

    fields_on_documents = True

    def signature(self, signatures: str, order: str):
        raise NotImplementedError

    def report(self) -> dict:
        return {}

    def run(self, ctx: StageContext) -> dict:
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

    def add_to_version(self, out: VersionContext, result: dict) -> list[Path]:
        """The side table (every clustered record, its cluster, kept or not) goes into the version."""
        import shutil

        table = out.folder / "dedup" / f"{out.index}-{result['name']}.parquet"
        table.parent.mkdir(exist_ok=True)
        shutil.copyfile(out.made / "clusters.parquet", table)
        result["dedup"]["table"] = str(table.relative_to(out.folder))
        return [table]

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        from pipelines.render import render

        return render("dedup.md.j2", stages=results)
