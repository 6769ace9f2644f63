"""Where the builder keeps its state and output, and the environment its engines need."""

import os
from pathlib import Path

# Prefect's temporary local API needs ~30 s to migrate a fresh database; its default 20 s limit
# fails the first build on a new machine.
PREFECT_STARTUP_TIMEOUT_S = "180"


def state_dir() -> Path:
    """The project's state folder: stage cache, input hashes, Prefect's home. A PIPELINES_HOME on object
    storage keeps the stage cache there (stage_cache_url); what must be local stays in ./.pipelines."""
    from pipelines.storage import is_url

    home = os.environ.get("PIPELINES_HOME", ".pipelines")
    return Path(".pipelines" if is_url(home) else home).absolute()


def stage_cache_url() -> str | None:
    """The stage cache and completion markers on object storage: <PIPELINES_HOME>/stages when that is a
    URL (s3://bucket/home), so that a cluster's machines share them with no shared disk."""
    from pipelines.storage import is_url

    home = os.environ.get("PIPELINES_HOME", "")
    return f"{home.rstrip('/')}/stages" if is_url(home) else None


def default_out_dir() -> Path | str:
    """The store root used when no --out is given: a local folder, or a URL (s3://bucket/datasets)."""
    from pipelines.storage import location

    return location(os.environ.get("PIPELINES_OUT", "datasets"))


def configure_environment() -> None:
    """Set the engines' environment before they are imported; the user's own settings win."""
    home = state_dir()
    prefect_home = Path(os.environ.get("PREFECT_HOME", home / "prefect"))
    prefect_home.mkdir(parents=True, exist_ok=True)  # Prefect creates only the last level
    os.environ.setdefault("PREFECT_HOME", str(prefect_home))
    # Prefect 3.7 derives these from the home only when it is not set by environment: set them.
    os.environ.setdefault("PREFECT_MEMO_STORE_PATH", str(prefect_home / "memo_store.toml"))
    os.environ.setdefault("PREFECT_LOCAL_STORAGE_PATH", str(prefect_home / "storage"))
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", PREFECT_STARTUP_TIMEOUT_S)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # datatrove logs every task at INFO to stderr; full logs go to each stage's logs/ folder.
    os.environ.setdefault("LOGURU_LEVEL", "WARNING")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # datatrove unpacks its shipped assets (URL block lists) into the Hub's assets cache.
    os.environ.setdefault("HF_ASSETS_CACHE", str(home / "assets"))
