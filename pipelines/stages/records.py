"""What the record stages share: they run on the curated documents, or on a synthetic config's rows.

A stage with `input: <config>` reads the latest rows of that config (its synthesize stage's, or an earlier
record stage's on it), runs the same datatrove steps on them as on documents, and writes the surviving rows
back, in the same order and unchanged, as the config's rows for the stages after it and for the version.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from pipelines.stages.base import Stage, StageRun, module_source
from pipelines.stages.read import FIELD_PATTERN
from pipelines.stages.synthesize import ROWS

# The record fields a stage compares (instruction + response, question + answer); unset: the text.
Fields = list[Annotated[str, Field(pattern=FIELD_PATTERN)]] | None
PARTS = "rows-parts"  # each task's surviving rows, joined into ROWS when the stage completes


class RecordStage(Stage):
    """A stage that can also run on a synthetic config's rows (`input: <config>`)."""

    input: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$")  # a synthetic config; unset: the documents
    fields: Fields = None  # on rows: the fields that make a row's text (default: its text fields)
    # Whether `fields` also applies to documents (records read from JSONL or Parquet): dedup and
    # decontamination compare named fields; a filter reads a document's text.
    fields_on_documents: ClassVar[bool] = False

    @model_validator(mode="after")
    def _fields_need_rows(self) -> RecordStage:
        if self.fields and self.input is None and not self.fields_on_documents:
            raise ValueError(f"fields: {self.type} reads a document's text; fields is for a synthetic "
                             "config's rows (with input: <config>)")
        return self

    @property
    def default_text(self) -> str:
        """What the stage reads where no fields are named, in words for the report."""
        return "text" if self.input is None else "text fields"

    @property
    def makes_documents(self) -> bool:
        return self.input is None

    @property
    def rows_config(self) -> str | None:
        return self.input

    @property
    def name(self) -> str:
        # Told apart by the config they run on: dedup_exact-qa, decontaminate-critique.
        return self.type if self.input is None else f"{self.type}-{self.input}"

    def reader(self, ctx: StageRun):
        """The step that reads this stage's input: the previous stage's documents, or its config's rows."""
        from pipelines.engines.datatrove.cache import cache_reader
        from pipelines.engines.datatrove.rows import RowReader
        from schemas.synthetic import PROVENANCE

        if self.input is None:
            return cache_reader(ctx.previous)
        rows = ctx.plan.rows(self.input, ctx.index)
        # By default a row's text is what the model wrote: its text fields, not its id or provenance.
        skip = ["id", *(f.name for f in PROVENANCE)]
        return RowReader(str(ctx.shared(rows.parent)), rows.name, self.input, self.fields, skip)

    def writer(self, ctx: StageRun):
        """The step that writes what survives: the stage's cached documents, or its config's rows."""
        from pipelines.engines.datatrove.cache import cache_writer
        from pipelines.engines.datatrove.rows import RowWriter

        return cache_writer(ctx.at("data")) if self.input is None else RowWriter(str(ctx.at(PARTS)))

    def run_on_rows(self, ctx: StageRun) -> dict:
        """The stage on its config's rows, alone (never fused with document stages); returns its funnel."""
        from pipelines.engines.datatrove.cache import tally_drops
        from pipelines.engines.datatrove.rows import join_parts
        from pipelines.funnel import pipeline_funnel

        if self.streaming:
            steps = [tally_drops(step) for step in self.steps(ctx.at())]
            stats = ctx.run([self.reader(ctx), *steps, self.writer(ctx)], ctx.at())
            result = self.finish(ctx.fetch(), pipeline_funnel(stats, self.drop_aliases))
        else:
            result = self.run(ctx)
        join_parts(ctx.fetch(PARTS), ctx.work / ROWS)
        return result

    @classmethod
    def code_version(cls) -> str:
        # Its rows reader and writer are code of every record stage, as the stage cache's are of every stage.
        own = super().code_version() + module_source("pipelines.engines.datatrove.rows")
        return hashlib.sha256(own.encode()).hexdigest()[:16]
