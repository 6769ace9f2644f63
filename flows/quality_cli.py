"""`pipelines quality`: train the fastText quality classifier that a recipe's quality stage scores with."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipelines.console import err_console, fail
from pipelines.errors import USER_ERRORS, PipelinesError

quality_app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False,
                          help="Train fastText quality classifiers (DCLM style) on your own examples.")


@quality_app.callback()
def _group() -> None:
    """Train fastText quality classifiers (DCLM style) on your own examples."""
    # A callback keeps `train` a subcommand even when this app runs on its own (tests, `python -m`).


def _parse_params(items: list[str]) -> dict:
    """KEY=VALUE pairs as fastText hyperparameters: numbers as numbers, the rest as text."""
    params = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise PipelinesError(f"quality: --param {item!r} is not KEY=VALUE (e.g. --param epoch=10)")
        for kind in (int, float):
            try:
                params[name] = kind(raw)
                break
            except ValueError:
                pass
        else:
            params[name] = raw
    return params


@quality_app.command()
def train(
    out: Annotated[Path, typer.Option("--out", help="Model file to write (its .report.json lands beside).")],
    positive: Annotated[Path | None, typer.Option(
        "--positive", help="High-quality examples: JSONL, Parquet or a save_to_disk folder.")] = None,
    negative: Annotated[Path | None, typer.Option(
        "--negative", help="Low-quality examples, in any of the same formats.")] = None,
    data: Annotated[Path | None, typer.Option(
        "--data", help="One input with a label field, instead of --positive / --negative.")] = None,
    label_field: Annotated[str, typer.Option(
        "--label-field", help="With --data: the field holding the label.")] = "label",
    positive_label: Annotated[str | None, typer.Option(
        "--positive-label", help="With --data: the label value of high-quality records.")] = None,
    text_field: Annotated[str, typer.Option("--text-field", help="The field holding the text.")] = "text",
    holdout: Annotated[float, typer.Option("--holdout", help="Fraction held out for the report.")] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the held-out split and of fastText.")] = 0,
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="Override a DCLM default fastText hyperparameter: KEY=VALUE (repeatable).")] = None,
) -> None:
    """Train a hq / lq classifier; print its held-out metrics, then the model's path."""
    from transforms.quality_train import train_quality_model, train_quality_model_from_labels

    try:
        hyperparams = {"verbose": 2, **_parse_params(param or [])}  # fastText's own progress line
        common = {"text_field": text_field, "holdout": holdout, "seed": seed, "hyperparams": hyperparams}
        if data is not None and positive is None and negative is None:
            if positive_label is None:
                raise PipelinesError("quality: --data needs --positive-label (the high-quality label)")
            report = train_quality_model_from_labels(data, out, label_field=label_field,
                                                     positive_label=positive_label, **common)
        elif data is None and positive is not None and negative is not None:
            report = train_quality_model(positive, negative, out, **common)
        else:
            raise PipelinesError("quality: give --positive and --negative, or --data and --positive-label")
    except USER_ERRORS as e:
        fail(e)
    err_console.print(report_table(report))
    print(report["model"])


def report_table(report: dict) -> Table:
    """The held-out metrics and the record counts of a training report."""
    table = Table(title="Held-out split", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    names = {"precision": "precision", "recall": "recall", "f1": "F1", "roc_auc": "ROC AUC"}
    for name, label in names.items():
        value = report["metrics"][name]
        table.add_row(label, "-" if value is None else f"{value:.4f}")
    for split, counts in report["counts"].items():
        table.add_row(f"{split.replace('_', '-')} hq / lq", f"{counts['hq']:,} / {counts['lq']:,}")
    skipped = sum(n for source in report["inputs"].values() for n in source["skipped"].values())
    table.add_row("skipped records", f"{skipped:,}")
    return table
