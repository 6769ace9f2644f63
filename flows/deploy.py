"""Prefect deployments of the build flow: a recipe rebuilt on a cron schedule by a worker or `serve`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pipelines import settings
from pipelines.errors import PipelinesError
from pipelines.recipe import builtin_recipes, find_recipe, load_recipe
from pipelines.storage import is_url

FLOW_NAME = "build-dataset"
# The flow as Prefect loads it in a worker: a file under the source folder, as in infra/prefect.yaml.
ENTRYPOINT = "flows/build.py:build_flow"
SOURCE = Path(__file__).resolve().parent.parent


class DeployError(PipelinesError):
    """A deployment that cannot be made as asked: a bad schedule, no Prefect server."""


@dataclass
class DeploySpec:
    """What a deployment of one recipe is: its name, schedule, the flow's parameters and where runs write."""

    name: str
    cron: str
    timezone: str
    parameters: dict
    env: dict[str, str]
    work_pool: str | None = None

    @property
    def full_name(self) -> str:
        return f"{FLOW_NAME}/{self.name}"


def check_cron(cron: str, timezone: str) -> None:
    """A cron string and time zone Prefect's scheduler accepts, or one line saying which is wrong."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValidationError as e:
        field = e.errors()[0]["loc"][0]
        what = (f"--cron {cron!r} is not a valid cron string: five fields, minute hour day month "
                "weekday, e.g. '0 3 * * *'" if field == "cron"
                else f"--timezone {timezone!r} is not an IANA time zone")
        raise DeployError(what) from None


def deploy_spec(dataset: str, cron: str, timezone: str = "UTC", work_pool: str | None = None,
                overrides: list[str] | None = None, out: Path | None = None) -> DeploySpec:
    """Validate everything a deployment needs before anything is registered."""
    check_cron(cron, timezone)
    recipe, _ = load_recipe(dataset, overrides or [])
    # Runs start in the source folder: a recipe file and the store are named by absolute paths.
    ref = dataset if dataset in builtin_recipes() else str(find_recipe(dataset))
    parameters = {"recipe": ref, "overrides": list(overrides or []),
                  "out": str(out.absolute()) if out else None}
    # A home on object storage (s3://...) is passed on as it is: the runs share its stage cache.
    home = os.environ.get("PIPELINES_HOME", "")
    env = {"PIPELINES_HOME": home if is_url(home) else str(settings.state_dir()),
           "PIPELINES_OUT": str(settings.default_out_dir())}
    return DeploySpec(recipe.name, cron, timezone, parameters, env, work_pool)


# How long the check of a configured server waits for its /health: a server that is up answers at once.
HEALTH_TIMEOUT_S = 3.0


def api_url() -> str | None:
    """The Prefect API URL set in the environment or in the Prefect profile; None: the temporary local API."""
    url = os.environ.get("PREFECT_API_URL")
    if not url:
        from prefect.settings import PREFECT_API_URL

        url = PREFECT_API_URL.value()
    return url or None


def redact_url(url: str) -> str:
    """The URL as it may be printed: no user name or password, no query values (tokens), no fragment."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(a value that is not a URL)"
    netloc = f"***@{parts.netloc.rpartition('@')[2]}" if "@" in parts.netloc else parts.netloc
    query = "&".join(f"{name}=***" if sep else name
                     for name, sep, _ in (item.partition("=") for item in parts.query.split("&") if item))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _reason(error: BaseException) -> str:
    """Why a connection failed, in a few words, from the OS error under httpx's."""
    import socket
    import ssl

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "connection refused" in str(seen).lower():
            return "connection refused"
        if isinstance(seen, socket.gaierror) or "name or service not known" in str(seen).lower():
            return "host not found"
        if isinstance(seen, ssl.SSLError):
            return ""  # something speaks TLS there: Prefect's own TLS settings decide the rest
        seen = seen.__cause__ or seen.__context__
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def check_server(url: str, hint: str) -> None:
    """A server answers at the Prefect API URL (one short GET of its /health), or one line saying none
    does, then the hint. Any HTTP answer will do: whether it is the right one is Prefect's to say."""
    import httpx

    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise DeployError(f"PREFECT_API_URL {shown} is not an http(s) URL: set it to a Prefect API, "
                          "e.g. http://127.0.0.1:4200/api")
    # No credentials go with the probe: no user info, no query, so no certificate check is needed either.
    host = parts.netloc.rpartition("@")[2]
    probe = urlunsplit((parts.scheme, host, parts.path.rstrip("/") + "/health", "", ""))
    try:
        httpx.get(probe, timeout=HEALTH_TIMEOUT_S, verify=False)
        return
    except httpx.TimeoutException:
        reason = f"no answer within {HEALTH_TIMEOUT_S:g} s"
    except httpx.TransportError as e:
        reason = _reason(e)
        if not reason:
            return
    raise DeployError(f"PREFECT_API_URL {shown}: no Prefect server answers ({reason}): {hint}")


def require_reachable_api() -> None:
    """Before a build: when PREFECT_API_URL names a server, a server answers there."""
    if url := api_url():
        check_server(url, "start one (prefect server start) or unset PREFECT_API_URL to use Prefect's "
                          "temporary local API")


def require_server() -> str:
    """The Prefect server's URL: schedules need a server that stays up, not the temporary local API."""
    url = api_url()
    if not url:
        raise DeployError("deploy needs a Prefect server: start one (`prefect server start`) and set "
                          "PREFECT_API_URL, e.g. http://127.0.0.1:4200/api")
    check_server(url, "deploy needs a Prefect server that is up: start it (`prefect server start`) or set "
                      "PREFECT_API_URL to one that is")
    return url


def _options(spec: DeploySpec) -> dict:
    """The deployment's schedule, parameters and labels, the same served or on a work pool."""
    from prefect.client.schemas.schedules import CronSchedule

    return dict(name=spec.name, schedules=[CronSchedule(cron=spec.cron, timezone=spec.timezone)],
                parameters=spec.parameters, tags=["pipelines", spec.name],
                description=f"Rebuild {spec.name} from its recipe.")


def runner_deployment(spec: DeploySpec):
    """The Prefect deployment of the build flow for one recipe on a work pool, its code loaded from SOURCE."""
    from flows.build import build_flow

    flow = build_flow.from_source(source=str(SOURCE), entrypoint=ENTRYPOINT)
    # One run of a dataset at a time: a late run waits for the one before it.
    return flow.to_deployment(**_options(spec), concurrency_limit=1, work_pool_name=spec.work_pool,
                              job_variables={"env": spec.env})


def ensure_work_pool(name: str) -> bool:
    """Create a process work pool of that name if there is none; True if it was created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))
            return True


def apply(spec: DeploySpec):
    """Register (or update) the deployment on the server; returns its id."""
    ensure_work_pool(spec.work_pool)
    return runner_deployment(spec).apply()


def serve(spec: DeploySpec) -> None:
    """Register the deployment and run its scheduled and triggered runs in this process until stopped."""
    from flows.build import build_flow

    # The flow object itself runs each flow run in a subprocess: no code to fetch.
    build_flow.serve(**_options(spec), global_limit=1, print_starting_message=False)
