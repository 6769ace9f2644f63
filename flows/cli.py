"""The `pipelines` command: build, list and show datasets."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from flows.quality_cli import quality_app
from pipelines import settings
from pipelines.console import err_console, fail, out_console
from pipelines.errors import USER_ERRORS

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Build clean, versioned LLM training datasets from recipes.")
app.add_typer(quality_app, name="quality", help="Train the fastText quality classifier a recipe scores with.")

# A string, not a Path: a store root may be a URL (s3://bucket/datasets), which a Path would mangle.
OutOption = Annotated[
    str | None, typer.Option("--out", help="Store root, a folder or a URL such as s3://bucket/datasets "
                                           "(default: $PIPELINES_OUT or ./datasets).")
]


@app.command()
def build(
    dataset: Annotated[str, typer.Argument(help="A built-in recipe name or a recipe .yaml file.")],
    out: OutOption = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a recipe field: a.b=value (repeatable).")] = None,
    executor: Annotated[str | None, typer.Option(
        "--executor", help="Where datatrove stages run: local | ray | slurm (executor.kind).")] = None,
) -> None:
    """Build a dataset; print the path of the version written (or found up to date)."""
    settings.configure_environment()
    from pipelines.plan import plan_build

    set_ = [*(set_ or []), *([f"executor.kind={executor}"] if executor else [])]
    try:
        plan = plan_build(dataset, set_ or [], out)
        if not plan.up_to_date:
            _check_prefect_server()
        result = (
            {"path": str(plan.path), "version": plan.version, "up_to_date": True}
            if plan.up_to_date
            else _run_flow(plan, dataset, set_ or [], out)
        )
    except USER_ERRORS as e:
        fail(e)
    if result["up_to_date"]:
        err_console.print(f"{plan.recipe.name} {result['version']} is up to date: nothing to build.",
                          markup=False)
    else:
        from pipelines.funnel import funnel_table

        err_console.print(funnel_table(plan.store.manifest(result["version"])))
    print(result["path"])


def _check_prefect_server() -> None:
    """Before any work: a PREFECT_API_URL that names a server no one answers at is one line, not the
    flow's tracebacks (unset, the flow runs on Prefect's temporary local API)."""
    from flows.deploy import require_reachable_api

    require_reachable_api()


def _run_flow(plan, dataset: str, overrides: list[str], out: str | None) -> dict:
    """Run the Prefect build flow with a progress bar per stage."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.build import build_flow
    from pipelines.console import quiet_user_error_tracebacks

    quiet_user_error_tracebacks()

    err_console.print(f"Building {plan.recipe.name} {plan.version} "
                      f"({len(plan.inputs)} input files, {len(plan.stages)} stages)", markup=False)
    with Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("tasks"), TimeElapsedColumn(), console=err_console) as bars:
        ids = [bars.add_task(escape(s.name), total=plan.recipe.executor.tasks, start=False)
               for s in plan.stages]

        def progress(index: int, done: int, total: int, **figures) -> None:
            bars.start_task(ids[index])
            bars.update(ids[index], completed=done, total=total)

        plan.progress = progress
        return build_flow(recipe=dataset, overrides=overrides, out=out, plan=plan)


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
        except (*USER_ERRORS, IndexError):
            description = ""
        table.add_row(escape(name), escape(description))
    out_console.print(table)
    from pipelines.storage import location

    root = location(out) if out else settings.default_out_dir()
    built = Table(title=escape(f"Built datasets in {root}"), title_justify="left")
    for column in ("dataset", "versions", "latest", "rows"):
        built.add_column(column)
    try:
        for name in DatasetStore.datasets(root):
            store = DatasetStore(root, name)
            if versions := store.versions():
                rows = f"{store.manifest()['rows']:,}"
                built.add_row(escape(name), ", ".join(versions), versions[-1], rows)
    except USER_ERRORS as e:
        fail(e)
    out_console.print(built if built.row_count else escape(f"No datasets built in {root} yet."))


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
    except USER_ERRORS as e:
        fail(e)
    out_console.print(funnel_table(manifest))
    out_console.print(f"path: {store.path(manifest['version'])}", highlight=False, soft_wrap=True,
                      markup=False)
    out_console.print(f"parent: {manifest['parent'] or '-'}   recipe hash: "
                      f"{manifest['recipe_hash'][:16]}   built: {manifest['created_at']}", markup=False)


@app.command()
def deploy(
    dataset: Annotated[str, typer.Argument(help="A built-in recipe name or a recipe .yaml file.")],
    cron: Annotated[str, typer.Option("--cron", help="When to rebuild, e.g. '0 3 * * *' (03:00 daily).")],
    timezone: Annotated[str, typer.Option("--timezone", help="IANA time zone of the schedule.")] = "UTC",
    work_pool: Annotated[str | None, typer.Option(
        "--work-pool", help="Register for this work pool's workers (a process pool is created if missing) "
                            "and return; without it, this process serves the runs until stopped.")] = None,
    out: OutOption = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a recipe field: a.b=value (repeatable).")] = None,
) -> None:
    """Register a Prefect deployment that rebuilds a dataset on a schedule (needs PREFECT_API_URL)."""
    settings.configure_environment()
    from flows import deploy as deployments

    try:
        spec = deployments.deploy_spec(dataset, cron, timezone, work_pool, set_ or [], out)
        url = deployments.redact_url(deployments.require_server())
        if work_pool is None:
            err_console.print(f"Serving {spec.full_name} ({cron} {timezone}) from {url}; Ctrl-C stops it.",
                              highlight=False, soft_wrap=True, markup=False)
            deployments.serve(spec)
            return
        deployment_id = deployments.apply(spec)
    except USER_ERRORS as e:
        fail(e)
    err_console.print(f"Deployed {spec.full_name} ({cron} {timezone}) on work pool '{work_pool}' at {url}; "
                      f"start a worker: prefect worker start --pool {work_pool}",
                      highlight=False, soft_wrap=True, markup=False)
    print(deployment_id)


@app.command()
def diff(
    dataset: Annotated[str, typer.Argument(metavar="DATASET", help="A dataset name in the store.")],
    old: Annotated[str, typer.Argument(metavar="V1", help="The version to compare from, e.g. v1.")],
    new: Annotated[str, typer.Argument(metavar="V2", help="The version to compare to, e.g. v2.")],
    out: OutOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    """Show what changed between two versions: recipe, inputs, stage counts, rows by id, score shifts."""
    from pipelines.diff import diff_versions, render_diff
    from pipelines.store import DatasetStore

    try:
        result = diff_versions(DatasetStore(out or settings.default_out_dir(), dataset), old, new)
    except USER_ERRORS as e:
        fail(e)
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        render_diff(result, out_console)


@app.command()
def publish(
    dataset: Annotated[str, typer.Argument(help="A dataset name in the store.")],
    repo: Annotated[str, typer.Option("--repo", help="The Hub dataset repository, ORG/NAME.")],
    version: Annotated[str | None, typer.Option("--version", help="Default: the latest.")] = None,
    private: Annotated[bool, typer.Option("--private", help="Create the repository private.")] = False,
    out: OutOption = None,
    to_dir: Annotated[Path | None, typer.Option(
        "--to-dir", help="Write the tree that would be uploaded into this folder; upload nothing.")] = None,
    retries: Annotated[int, typer.Option(
        "--retries", min=0, help="Retries of the commit after a transient failure (429, 5xx, network).")] = 3,
) -> None:
    """Upload a version to the Hugging Face Hub as one commit tagged with the version; print the revision."""
    # Not settings.configure_environment(): it turns the Hub off for builds (HF_HUB_OFFLINE=1).
    from pipelines import publish as hub
    from pipelines.store import DatasetStore

    store = DatasetStore(out or settings.default_out_dir(), dataset)
    try:
        manifest = store.manifest(version)
        repo_id = hub.check_repo_id(repo)
        name = f"{dataset} {manifest['version']}"
        if to_dir is not None:
            tree = hub.hub_tree(store, manifest, repo_id)
            hub.check_card(tree["README.md"])
            folder = hub.write_tree(tree, to_dir)
            err_console.print(f"Wrote the tree of {name} for {repo_id} to {folder} ({len(tree)} files); "
                              "nothing was uploaded.", highlight=False, soft_wrap=True, markup=False)
            print(folder)
            return
        result = hub.publish(store, manifest, repo_id, private=private, retries=retries,
                             log=lambda line: err_console.print(line, highlight=False, soft_wrap=True,
                                                                markup=False))
    except USER_ERRORS as e:
        fail(e)
    err_console.print(f"Published {name} to {result.url} (tag {result.version} -> {result.revision[:12]}, "
                      f"{result.files} files, {len(result.deleted)} stale files deleted)",
                      highlight=False, soft_wrap=True, markup=False)
    print(result.revision)


def main() -> None:
    sys.exit(app())
