"""Object storage through fsspec: URLs or local paths, their filesystems, and their errors in one line.

A location is a URL with a protocol (s3://, gs://, hf://, https://) or a local path. Endpoints and
credentials come from where each library looks for them (AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID,
AWS_PROFILE, ~/.aws, GOOGLE_APPLICATION_CREDENTIALS, HF_TOKEN), or from a recipe's `storage_options`,
which may name an endpoint or a profile but never hold a secret: a recipe is copied into the manifest.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pipelines.errors import StoreError, TransientError

URL_RE = re.compile(r"^(?P<protocol>[a-zA-Z][a-zA-Z0-9+.-]+)://")
# Which package each protocol needs, for the one line that says what to install.
PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "hf": "huggingface_hub",
            "az": "adlfs", "abfs": "adlfs", "http": "aiohttp", "https": "aiohttp"}
# Option names that hold a secret somewhere in fsspec's filesystems (s3fs, gcsfs, adlfs, hf).
SECRET_OPTION = re.compile(r"(^|_)(key|secret|token|password|credentials?|sas|signature)($|_)", re.I)
GLOB_CHARS = re.compile(r"[*?\[]")
T = TypeVar("T")
# A lock on object storage older than this is a build that died on another machine (one on this machine
# is known dead by its process id): the next build takes it over.
LOCK_LEASE_S = 6 * 3600


def is_url(location: str | Path) -> bool:
    """Whether a location names a filesystem other than the local one."""
    match = URL_RE.match(str(location))
    return bool(match) and match["protocol"] not in ("file", "local")


def protocol(location: str | Path) -> str:
    match = URL_RE.match(str(location))
    return match["protocol"] if match else "file"


def location(value: str | Path) -> str | Path:
    """A store or cache root: a URL as given (without a trailing slash), else an absolute local Path."""
    if is_url(value):
        return str(value).rstrip("/")
    text = str(value)
    return Path(text.removeprefix("file://")).absolute()


def join(base: str | Path, *parts: str) -> str | Path:
    """`base / parts`, for a URL or a local Path alike."""
    if isinstance(base, Path):
        return base.joinpath(*parts)
    return "/".join([str(base).rstrip("/"), *(p.strip("/") for p in parts)])


def write_bytes(where: str | Path, data: bytes) -> None:
    """Write a small file, locally or on object storage (retried while the endpoint does not answer)."""
    if isinstance(where, Path):
        where.write_bytes(data)
        return
    fs, path = filesystem(where)
    retrying(lambda: fs.pipe_file(path, data), where, fs)


def check_options(options: dict[str, Any], where: str) -> None:
    """A recipe's storage options name no secret: credentials stay in the environment or a profile."""
    for key, value in options.items():
        if SECRET_OPTION.search(key):
            raise ValueError(f"{where}.{key}: credentials never go in a recipe (it is copied into the "
                             "manifest); set them in the environment (AWS_ACCESS_KEY_ID, "
                             "AWS_SECRET_ACCESS_KEY, HF_TOKEN, ...) or name a profile")
        if isinstance(value, dict):
            check_options(value, f"{where}.{key}")


def filesystem(url: str | Path, options: dict[str, Any] | None = None):
    """(fsspec filesystem, path within it) for a location; listings are never cached, since other
    processes write the same store."""
    import fsspec

    options = dict(options or {})
    proto = protocol(url)
    if proto in ("s3", "s3a"):
        options.setdefault("use_listings_cache", False)
        # botocore reads these itself; naming it keys fsspec's cached filesystem by the endpoint too.
        env = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        if env and "endpoint_url" not in options and "endpoint_url" not in options.get("client_kwargs", {}):
            options["endpoint_url"] = env
    try:
        return fsspec.core.url_to_fs(str(url), **options)
    except ImportError:
        package = PACKAGES.get(proto, f"the fsspec implementation of {proto}://")
        raise StoreError(f"{url}: reading {proto}:// needs the {package} package (pip install {package})"
                         ) from None
    except ValueError as e:
        if "Protocol not known" in str(e):
            raise StoreError(f"{url}: no filesystem for {proto}:// (fsspec knows s3, gs, hf, https, "
                             "az, ...)") from None
        raise


def endpoint(url: str | Path, fs) -> str:
    """Where a request for `url` goes, for messages: the S3 endpoint, or the URL's own host."""
    client = getattr(fs, "client_kwargs", None) or {}
    named = client.get("endpoint_url") or getattr(fs, "endpoint_url", None)
    env = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if protocol(url) in ("s3", "s3a"):
        return named or env or "the default AWS S3 endpoint"
    return str(url)


def one_line(error: BaseException, url: str | Path, fs=None) -> Exception:
    """A storage failure as one line that says what to change; None-safe for unknown errors."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, FileNotFoundError):
        if "bucket" in text.lower():
            return StoreError(f"{url}: the bucket does not exist at {endpoint(url, fs)} ({text})")
        return StoreError(f"{url}: no such file or prefix ({text})")
    if isinstance(error, PermissionError):
        return StoreError(f"{url}: access denied ({text}); check the credentials in the environment "
                          "(AWS_ACCESS_KEY_ID, AWS_PROFILE, ...) and the bucket's policy")
    if unreachable(error):
        return TransientError(f"{url}: cannot reach {endpoint(url, fs)} ({text}); check the endpoint "
                              "(AWS_ENDPOINT_URL_S3, storage_options.endpoint_url) and the network")
    return StoreError(f"{url}: {type(error).__name__}: {text}")


def unreachable(error: BaseException) -> bool:
    """Whether an error says the endpoint did not answer (as opposed to answering no)."""
    names = {c.__name__ for c in type(error).__mro__}
    if names & {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
                "ClientConnectorError", "ServerDisconnectedError", "ConnectionError", "TimeoutError",
                "ConnectionRefusedError", "ClientOSError"}:
        return True
    cause = error.__cause__ or error.__context__
    return cause is not None and cause is not error and unreachable(cause)


def retrying(call: Callable[[], T], url: str | Path, fs=None, attempts: int = 3, delay: float = 1.0,
             backoff: float = 2.0, expected: tuple[type[BaseException], ...] = ()) -> T:
    """`call()`, retried with backoff while the endpoint does not answer; then one line. `expected`
    errors (a conditional put's FileExistsError, a probe's FileNotFoundError) are raised as they are."""
    for attempt in range(attempts + 1):
        try:
            return call()
        except (StoreError, TransientError, *expected):
            raise
        except Exception as e:  # noqa: BLE001 (each library raises its own types; one_line sorts them)
            failure = one_line(e, url, fs)
            if not isinstance(failure, TransientError) or attempt == attempts:
                if isinstance(failure, TransientError):
                    failure = TransientError(f"{failure} (after {attempts + 1} tries)")
                raise failure from None
            time.sleep(delay * backoff**attempt)
    raise AssertionError("unreachable")


def read_root(paths: list[str]) -> tuple[str, list[str]]:
    """The folder every input is under, and each input's path relative to it."""
    if not is_url(paths[0]):
        root = os.path.commonpath([os.path.dirname(p) for p in paths])
        return root, [os.path.relpath(p, root) for p in paths]
    match = URL_RE.match(paths[0])
    prefix = match.group(0)
    bare = [p[len(prefix):] for p in paths]
    parts = [b.split("/")[:-1] for b in bare]
    common = parts[0]
    for other in parts[1:]:
        k = 0
        while k < min(len(common), len(other)) and common[k] == other[k]:
            k += 1
        common = common[:k]
    root = "/".join(common)
    return prefix + root, [b[len(root):].lstrip("/") for b in bare]


def claim() -> dict:
    """What a lock or a version's claim says of its writer; the token tells a retried put of our own."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "token": uuid.uuid4().hex,
            "since": datetime.now(UTC).isoformat(timespec="seconds")}


def holder(fs, key: str, url: str | Path) -> dict | None:
    """Who holds a lock or claim object (None: nobody now; {}: unreadable, so stale)."""
    try:
        return json.loads(retrying(lambda: fs.cat_file(key), url, fs, expected=(FileNotFoundError,)))
    except FileNotFoundError:
        return None
    except ValueError:
        return {}


def stale(owner: dict) -> bool:
    """Whether a lock's holder is gone: a dead process on this machine, or past the lease."""
    if owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int):
        try:
            os.kill(owner["pid"], 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
    try:  # renewed by its holder while it works (object_lock's heartbeat)
        since = datetime.fromisoformat(owner.get("renewed", owner["since"]))
    except (KeyError, TypeError, ValueError):
        return True
    return (datetime.now(UTC) - since).total_seconds() > LOCK_LEASE_S


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on a local file, held by this process until the block ends (or it dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def object_lock(fs, key: str, url: str | Path, what: str, wait_s: float = 600,
                poll_s: float = 1.0) -> Iterator[None]:
    """A lock object on object storage made by a conditional put (If-None-Match), taken over from a dead
    holder; one that waits past `wait_s` fails in one line that names the holder."""
    owner = claim()
    deadline = time.monotonic() + wait_s
    while True:
        try:
            retrying(lambda: fs.pipe_file(key, json.dumps(owner).encode(), mode="create"), url, fs,
                     expected=(FileExistsError,))
            break
        except FileExistsError:
            found = holder(fs, key, url)
            if found is not None and found.get("token") == owner["token"]:
                break  # our own put, answered late and retried
            if found is None or stale(found):
                with contextlib.suppress(FileNotFoundError):
                    fs.rm_file(key)  # a crashed build's: taken over
                continue
            if time.monotonic() > deadline:
                raise StoreError(f"{url}: another build of {what} holds it (host {found.get('host')}, pid "
                                 f"{found.get('pid')}, since {found.get('since')}); delete it if that "
                                 "build is gone") from None
            time.sleep(poll_s)
    done = threading.Event()
    beat = threading.Thread(target=_renew, args=(fs, key, url, owner, done), daemon=True)
    beat.start()
    try:
        yield
    finally:
        done.set()
        beat.join()
        found = holder(fs, key, url)
        if found is not None and found.get("token") == owner["token"]:
            with contextlib.suppress(FileNotFoundError):
                fs.rm_file(key)


def _renew(fs, key: str, url: str | Path, owner: dict, done: threading.Event) -> None:
    """Renew a held lock's lease four times a lease, so that a stage that runs for longer than a lease on
    one machine is not taken over by another; a lock no longer ours (taken over) is left alone."""
    while not done.wait(LOCK_LEASE_S / 4):
        with contextlib.suppress(OSError, StoreError):  # missed once: renewed at the next beat
            found = holder(fs, key, url)
            if found is None or found.get("token") != owner["token"]:
                return
            renewed = owner | {"renewed": datetime.now(UTC).isoformat(timespec="seconds")}
            retrying(lambda r=renewed: fs.pipe_file(key, json.dumps(r).encode()), url, fs)
