"""The `pipelines` command: build, list and show datasets."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipelines import settings
from pipelines.console import err_console, fail, out_console
from pipelines.errors import PipelinesError
from pipelines.quality_cli import quality_app

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Build clean, versioned LLM training datasets from recipes.")
app.add_typer(quality_app, name="quality", help="Train the fastText quality classifier a recipe scores with.")

OutOption = Annotated[
    Path | None, typer.Option("--out", help="Store root (default: $PIPELINES_OUT or ./datasets).")
]


@app.command()
def build(
    dataset: Annotated[str, typer.Argument(help="A built-in recipe name or a recipe .yaml file.")],
    out: OutOption = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a recipe field: a.b=value (repeatable).")] = None,
) -> None:
    """Build a dataset; print the path of the version written (or found up to date)."""
    settings.configure_environment()
    from pipelines.build import plan_build

    try:
        plan = plan_build(dataset, set_ or [], out)
        result = (
            {"path": str(plan.path), "version": plan.version, "up_to_date": True}
            if plan.up_to_date
            else _run_flow(plan, dataset, set_ or [], out)
        )
    except PipelinesError as e:
        fail(e)
    if result["up_to_date"]:
        err_console.print(f"{plan.recipe.name} {result['version']} is up to date: nothing to build.")
    else:
        from pipelines.funnel import funnel_table

        err_console.print(funnel_table(plan.store.manifest(result["version"])))
    print(result["path"])


def _run_flow(plan, dataset: str, overrides: list[str], out: Path | None) -> dict:
    """Run the Prefect build flow with a progress bar per stage."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.build import build_flow, set_progress

    err_console.print(f"Building {plan.recipe.name} {plan.version} "
                      f"({len(plan.inputs)} input files, {len(plan.stages)} stages)")
    with Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("tasks"), TimeElapsedColumn(), console=err_console) as bars:
        ids = [bars.add_task(s.name, total=plan.recipe.executor.tasks, start=False)
               for s in plan.stages]

        def progress(index: int, done: int, total: int) -> None:
            bars.start_task(ids[index])
            bars.update(ids[index], completed=done, total=total)

        set_progress(progress)
        try:
            return build_flow(recipe=dataset, overrides=overrides, out=str(out) if out else None)
        finally:
            set_progress(None)


@app.command("list")
def list_(out: OutOption = None) -> None:
    """List the built-in recipes and the datasets built under the store root."""
    from pipelines.recipe import builtin_recipes, load_recipe
    from pipelines.store import DatasetStore

    table = Table(title="Built-in recipes", title_justify="left")
    table.add_column("recipe")
    table.add_column("description")
    for name in sorted(builtin_recipes()):
        try:
            description = load_recipe(name)[0].description.strip().splitlines()[0]
        except (PipelinesError, IndexError):
            description = ""
        table.add_row(name, description)
    out_console.print(table)
    root = out or settings.default_out_dir()
    built = Table(title=f"Built datasets in {root}", title_justify="left")
    for column in ("dataset", "versions", "latest", "rows"):
        built.add_column(column)
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        store = DatasetStore(root, folder.name)
        if versions := store.versions():
            built.add_row(folder.name, ", ".join(versions), versions[-1],
                          f"{store.manifest()['rows']:,}")
    out_console.print(built if built.row_count else f"No datasets built in {root} yet.")


@app.command()
def show(
    dataset: Annotated[str, typer.Argument(help="A dataset name in the store.")],
    version: Annotated[str | None, typer.Option("--version", help="Default: the latest.")] = None,
    out: OutOption = None,
) -> None:
    """Show a version's manifest as a stage funnel: records in, out and dropped by reason."""
    from pipelines.funnel import funnel_table
    from pipelines.store import DatasetStore

    store = DatasetStore(out or settings.default_out_dir(), dataset)
    try:
        manifest = store.manifest(version)
    except PipelinesError as e:
        fail(e)
    out_console.print(funnel_table(manifest))
    out_console.print(f"path: {store.path(manifest['version'])}", highlight=False, soft_wrap=True)
    out_console.print(f"parent: {manifest['parent'] or '-'}   recipe hash: "
                      f"{manifest['recipe_hash'][:16]}   built: {manifest['created_at']}")


def main() -> None:
    sys.exit(app())
