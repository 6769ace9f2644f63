"""The `pipelines` command: build, list and show datasets."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from flows.quality_cli import quality_app
from pipelines import settings
from pipelines.console import err_console, fail, out_console, say, use_stderr
from pipelines.errors import USER_ERRORS, RecipeError


class _App(typer.Typer):
    """The command, its usage mistakes (an unknown option, a missing argument) said as every other error is:
    one line starting with `error:`, exit code 2."""

    def __call__(self, *args, **kwargs):
        try:  # typer >= 0.17 carries its own click
            from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
        except ImportError:
            from click.exceptions import ClickException, NoArgsIsHelpError, UsageError
        try:
            return super().__call__(*args, **kwargs, standalone_mode=False)
        except NoArgsIsHelpError as e:
            e.show()  # the help, as asked for by giving nothing
            return e.exit_code
        except ClickException as e:
            message = e.format_message().strip().rstrip(".")
            message = message[:1].lower() + message[1:]
            ctx = getattr(e, "ctx", None)
            where = f"{ctx.command_path}: " if ctx else ""
            hint = f" (see {ctx.command_path} --help)" if ctx and isinstance(e, UsageError) else ""
            say(f"error: {where}{message}{hint}")
            return 2
        except typer.Abort:
            return 130


app = _App(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
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
    limit: Annotated[int | None, typer.Option(
        "--limit", min=1, help="A preview: build on the first N records of each input file (input.limit), "
                               "into a version folder of its own (preview-<fingerprint>) that is never "
                               "published.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Validate the recipe and print the plan (each stage cached or to run; prompts x "
                          "samples and the model of each LLM stage); build nothing.")] = False,
    verbose: Annotated[bool, typer.Option(
        "-v", "--verbose", help="Show the engines' and libraries' logs as they come (they always go to the "
                                "build's log file).")] = False,
) -> None:
    """Build a dataset; print the path of the version written (or found up to date), and nothing else, on
    stdout."""
    settings.configure_environment()
    overrides = [*(set_ or []), *([f"executor.kind={executor}"] if executor else []),
                 *([f"input.limit={limit}"] if limit else [])]
    from pipelines.logs import BuildLog, log_path, shown

    with BuildLog(log_path(Path(dataset).stem or "build"), verbose, restore=False) as log:
        use_stderr(log.stderr)
        try:
            _build(dataset, overrides, out, limit, dry_run, verbose, log)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as e:  # noqa: BLE001 (not a mistake of the user's: one line, the rest in the log)
            import traceback

            log.keep = True
            traceback.print_exc()  # to the log, which file descriptor 2 now is
            first = (str(e).strip().splitlines() or [""])[0]
            say(f"error: {type(e).__name__}: {first} (the whole error is in {shown(log.path)})")
            raise typer.Exit(1) from None


def _build(dataset: str, overrides: list[str], out: str | None, limit: int | None, dry_run: bool,
           verbose: bool, log) -> None:
    """The build command inside its log: plan, run the flow, print the funnel and the version's path."""
    if dry_run:
        _dry_run(dataset, overrides, out, preview=limit is not None, stdout=log.stdout)
        return
    from pipelines.plan import plan_build

    try:
        plan = plan_build(dataset, overrides, out, preview=limit is not None)
        if not plan.up_to_date:
            _check_prefect_server()
    except USER_ERRORS as e:
        fail(e)
    if plan.up_to_date:
        say(f"{plan.recipe.name} {plan.version} is up to date: nothing to build.")
        path = str(plan.path)
    else:
        from flows.run_build import run

        log.keep = True
        result = run(plan, dataset, overrides, out, log, verbose)
        path = result["path"]
        if result["up_to_date"]:  # another build wrote it meanwhile
            say(f"{plan.recipe.name} {result['version']} is up to date: nothing to build.")
        else:
            from pipelines.funnel import funnel_view

            err_console.print(funnel_view(plan.store.manifest(result["version"]), err_console.width))
    print(path, file=log.stdout, flush=True)


def _dry_run(dataset: str, overrides: list[str], out: str | None, preview: bool, stdout) -> None:
    """Print what the build would do on stdout; run nothing, write nothing."""
    from pipelines.dry_run import describe
    from pipelines.plan import plan_build

    try:
        plan = plan_build(dataset, overrides, out, preview=preview)
    except USER_ERRORS as e:
        fail(e)
    width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else 80
    if stdout.isatty() and "COLUMNS" not in os.environ:
        width = os.get_terminal_size(stdout.fileno()).columns
    for line in describe(plan, width):
        print(line, file=stdout)
    stdout.flush()


def _check_prefect_server() -> None:
    """Before any work: a PREFECT_API_URL that names a server no one answers at is one line, not the
    flow's tracebacks (unset, the flow runs on Prefect's temporary local API)."""
    from flows.deploy import require_reachable_api

    require_reachable_api()


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
    version: Annotated[str | None, typer.Option(
        "--version", help="Default: the latest (a preview by its name, preview-<fingerprint>).")] = None,
    out: OutOption = None,
    samples: Annotated[str | None, typer.Option(
        "--samples", metavar="CONFIG", help="Print rows of a config instead of the funnel: default (the "
                                            "documents) or a synthetic config (qa, math, ...).")] = None,
    rejects: Annotated[bool, typer.Option(
        "--rejects", help="With --samples: the config's rejects (what the model wrote, each check's verdict) "
                          "instead of its rows.")] = False,
    reason: Annotated[str | None, typer.Option(
        "--reason", help="With --rejects: only the rejects of this reason.")] = None,
    n: Annotated[int, typer.Option("-n", min=1, help="With --samples: how many rows.")] = 5,
    wide: Annotated[bool, typer.Option(
        "--wide", help="The whole funnel table (words too) however wide the terminal is.")] = False,
) -> None:
    """Show a version's stage funnel (records in, out and dropped by reason), or rows of a config."""
    from pipelines.funnel import funnel_view
    from pipelines.samples import show_rejects, show_rows
    from pipelines.store import DatasetStore

    store = DatasetStore(out or settings.default_out_dir(), dataset)
    try:
        if (rejects or reason) and samples is None:
            raise RecipeError("--rejects and --reason show the rejects of a config: give --samples CONFIG")
        if reason and not rejects:
            raise RecipeError("--reason picks rejects: give --rejects too")
        manifest = store.manifest(version)
        if samples is not None:
            folder = store.local(manifest["version"])
            width = out_console.width
            lines = (show_rejects(folder, manifest, samples, n, width, reason) if rejects
                     else show_rows(folder, manifest, samples, n, width))
            for line in lines:
                out_console.print(line, markup=False, highlight=False, soft_wrap=True)
            return
    except USER_ERRORS as e:
        fail(e)
    out_console.print(funnel_view(manifest, out_console.width, wide))
    out_console.print(f"path: {store.path(manifest['version'])}", highlight=False, soft_wrap=True,
                      markup=False)
    preview = f"   preview of --limit {manifest['limit']}" if manifest.get("preview") else ""
    out_console.print(f"parent: {manifest['parent'] or '-'}   recipe hash: {manifest['recipe_hash'][:16]}   "
                      f"built: {manifest['created_at']}{preview}", markup=False)


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


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def serve(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(
        help="A built-in model (smollm2-135m-instruct), a model folder or a Hub id (org/name).")],
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 8000,
    host: Annotated[str, typer.Option(
        "--host", help="The address to listen on (0.0.0.0: every one).")] = "127.0.0.1",
    name: Annotated[str | None, typer.Option(
        "--name", help="The model's name on the server, a recipe's model (default: the built-in's name, the "
                       "folder's name or the Hub id).")] = None,
    max_model_len: Annotated[int | None, typer.Option(
        "--max-model-len", min=16,
        help="Context length (default 2048 on CPU, the model's own on GPU).")] = None,
) -> None:
    """Serve a model on vLLM's OpenAI-compatible server for a recipe's `backend: openai`, until Ctrl-C.
    Further flags go to vLLM as they are."""
    from flows.serve import serve as serve_model

    try:
        code = serve_model(model, host, port, name, max_model_len, ctx.args, say=say)
    except USER_ERRORS as e:
        fail(e)
    raise typer.Exit(code)


def main() -> None:
    sys.exit(app())
