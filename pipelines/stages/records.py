"""What the record stages share: they run on the curated documents, or on a synthetic config's rows.

A stage with `input: <config>` reads the latest rows of that config (its synthesize stage's, or an earlier
record stage's on it), runs the same datatrove steps on them as on documents, and writes the surviving rows
back, in the same order and unchanged, as the config's rows for the stages after it and for the version.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from pipelines.stages.base import FIELD_PATTERN, ROWS, Stage, StageContext

# The record fields a stage compares (instruction + response, question + answer); unset: the text.
Fields = list[Annotated[str, Field(pattern=FIELD_PATTERN)]] | None
PARTS = "rows-parts"  # each task's surviving rows, joined into ROWS when the stage completes


class RecordStage(Stage):
    """A stage that can also run on a synthetic config's rows (`input: <config>`). A concrete one derives
    from StreamingStage or BarrierStage too."""

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

    def reads(self) -> list[tuple[str, str, list[str]]]:
        return [(self.input, "fields", self.fields)] if self.input and self.fields else []

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

    def reader(self, ctx: StageContext):
        """The step that reads this stage's input: the previous stage's documents, or its config's rows."""
        from pipelines.engines.datatrove.rows import RowReader
        from schemas.synthetic import PROVENANCE

        if self.input is None:
            return super().reader(ctx)
        rows = ctx.rows(self.input)
        # By default a row's text is what the model wrote: its text fields, not its id or provenance.
        skip = ["id", *(f.name for f in PROVENANCE)]
        return RowReader(str(ctx.shared(rows.parent)), rows.name, self.input, self.fields, skip)

    def writer(self, ctx: StageContext):
        """The step that writes what survives: the stage's cached documents, or its config's rows."""
        from pipelines.engines.datatrove.rows import RowWriter

        return super().writer(ctx) if self.input is None else RowWriter(str(ctx.at(PARTS)))

    def run_alone(self, ctx: StageContext) -> dict:
        """The stage alone: a barrier, or any stage on its config's rows (never fused with documents')."""
        result = super().run_alone(ctx)
        self.commit_rows(ctx)
        return result

    def commit_rows(self, ctx: StageContext) -> None:
        """On a config's rows: the rows each task kept, joined in order as the config's rows."""
        from pipelines.engines.datatrove.rows import join_parts

        if self.input is not None:
            join_parts(ctx.fetch(PARTS), ctx.work / ROWS)
