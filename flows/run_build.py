"""How `pipelines build` runs a build in its own process: the engines' output into the build's log file, one
live display of the stages on stderr, the version's path alone on stdout, and a stop on SIGINT or SIGTERM
that ends the build and everything it started within seconds, saying what finished."""

from __future__ import annotations

from pipelines.console import err_console, fail, say
from pipelines.errors import USER_ERRORS
from pipelines.logs import BuildLog, shown
from pipelines.stop import BuildStopped, StopOnSignal


def prefect_server_pids() -> set[int]:
    """The temporary Prefect API this process started: spared by a stop until the flow has recorded it."""
    from prefect.server.api.server import SubprocessASGIServer

    return {s.server_process.pid for s in SubprocessASGIServer._instances.values()
            if getattr(s, "server_process", None) is not None}


def stopped_line(signum: int, display, plan) -> str:
    """What a stop leaves: the stages finished (in the stage cache), the one that was running, no version."""
    import signal

    done, total, running = display.finished()
    where = f"; {running}" if running else ""
    return (f"stopped ({signal.Signals(signum).name}): {done} of {total} stages finished{where}; no version "
            f"written. Run the same command again to resume from there.")


def run(plan, dataset: str, overrides: list[str], out: str | None, log: BuildLog, verbose: bool) -> dict:
    """Run the Prefect build flow with the live display; a stop ends it with one line and the signal's exit
    code (an engine's own failure is said by the command, with the log's path)."""
    from flows.build import build
    from pipelines.console import quiet_user_error_tracebacks
    from pipelines.display import BuildDisplay

    quiet_user_error_tracebacks()
    inputs = f"{len(plan.inputs)} input file{'s' if len(plan.inputs) != 1 else ''}"
    preview = " (preview)" if plan.preview else ""
    say(f"Building {plan.recipe.name} {plan.version}{preview}: {inputs}, {len(plan.stages)} stages")
    say(f"log: {shown(log.path)}")
    if plan.missing_inputs:  # input.missing: skip
        say(f"warning: {len(plan.missing_inputs)} listed input files do not exist and are skipped, e.g. "
            f"{plan.missing_inputs[0]}")
    display = BuildDisplay(err_console, plan.groups(), [s.name for s in plan.stages],
                           live=False if verbose else None)

    def stopped(signum: int) -> None:
        display.__exit__(None, None, None)
        say(stopped_line(signum, display, plan))
        err_console.file.flush()

    plan.progress = display.progress
    stop = StopOnSignal(spare=prefect_server_pids, on_exit=stopped)
    try:
        with stop, display:
            try:
                return build(dataset, overrides, out, plan)
            except BuildStopped as e:  # the flow run is recorded as crashed: its Prefect API can go too
                stop.exit_now(e.signum)
    except USER_ERRORS as e:
        fail(e)
