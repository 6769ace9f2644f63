"""Publish a version to the Hugging Face Hub: one commit with the whole tree, tagged with the version.

The tree is the version folder as it is in the store (Parquet shards, side tables, plots, manifest)
with a card that loads from the Hub. Files on the Hub that are not in the tree are deleted in the
same commit: a `data/train-*.parquet` glob must not pick up a shard of an older version.

huggingface_hub reads HF_ENDPOINT and HF_HUB_OFFLINE when it is imported: it is imported here, in
the functions, once the CLI runs (and `pipelines publish` never calls settings.configure_environment,
which turns the Hub off for builds).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipelines.card import render_card
from pipelines.errors import PublishError
from pipelines.store import DatasetStore

REPO_TYPE = "dataset"
# The Hub writes this file when it creates a repository (which paths go to LFS / Xet): it stays.
KEEP_REMOTE = frozenset({".gitattributes"})
# Worth another try: a timeout, rate limiting, the Hub or a proxy failing; any other 4xx is final.
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
RETRY_BASE_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0
MESSAGE_CHARS = 300
SMALL_FILE_BYTES = 10 * 2**20  # the Hub stores larger files in LFS / Xet, never as plain git blobs

Tree = dict[str, Path | bytes]  # path in the repository -> a file of the version, or the card's bytes
Log = Callable[[str], None]


@dataclass
class Published:
    repo_id: str
    version: str
    revision: str  # the commit the version's tag points at
    url: str
    files: int
    deleted: list[str]


def check_repo_id(repo_id: str) -> str:
    """The repository id, if it is a valid ORG/NAME for the Hub."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    if repo_id.count("/") != 1:
        raise PublishError(f"--repo {repo_id!r}: expected ORG/NAME (an organization or user, then a name)")
    try:
        validate_repo_id(repo_id)
    except HFValidationError as e:
        raise PublishError(f"--repo {repo_id!r}: {_one_line(str(e))}") from None
    return repo_id


def check_publishable(manifest: dict) -> None:
    """A preview (`build --limit N`) is a try of the recipe on a few records: never a dataset on the Hub."""
    if manifest.get("preview"):
        raise PublishError(f"{manifest['dataset']} {manifest['version']} is a preview (built with --limit "
                           f"{manifest.get('limit')}): build without --limit and publish that version")


def hub_tree(store: DatasetStore, manifest: dict, repo_id: str) -> Tree:
    """Every file of the version as the manifest lists it, with the card rewritten to load from the Hub."""
    check_publishable(manifest)
    folder = store.local(manifest["version"])  # a remote version: a local copy checked against its sha256s
    tree: Tree = {}
    for name in sorted([*manifest["files"], "manifest.json"]):
        path = folder / name
        if not path.is_file():
            raise PublishError(f"{folder} has no {name}, which its manifest lists: the version is damaged")
        tree[name] = path
    tree["README.md"] = render_card(manifest, repo_id).encode()
    return tree


def write_tree(tree: Tree, folder: Path) -> Path:
    """Write the tree that would be uploaded into a new (or empty) folder, for review."""
    folder = Path(folder).absolute()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise PublishError(f"--to-dir {folder} is not an empty folder: give a new one")
    for name, source in tree.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, bytes):
            target.write_bytes(source)
        else:
            shutil.copyfile(source, target)
    return folder


def require_online() -> None:
    """Publishing needs the Hub: refuse, in one line, when the user turned huggingface_hub offline."""
    from huggingface_hub import constants

    flags = [v for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
             if os.environ.get(v, "").upper() in {"1", "ON", "YES", "TRUE"}]
    if flags or constants.HF_HUB_OFFLINE:
        raise PublishError(f"{(flags or ['HF_HUB_OFFLINE'])[0]} is set: publishing needs the Hub; unset it "
                           "(or write the tree for review with --to-dir)")


def resolve_token() -> str:
    """The token from HF_TOKEN or the user's huggingface_hub login; it is never printed."""
    from huggingface_hub import get_token

    token = get_token()
    if not token:
        raise PublishError("no Hugging Face token: set HF_TOKEN or log in with `hf auth login`")
    return token


def publish(store: DatasetStore, manifest: dict, repo_id: str, *, private: bool = False, retries: int = 3,
            log: Log = print, sleep: Callable[[float], None] = time.sleep) -> Published:
    """Upload a version as one commit (stale remote files deleted in it) and tag the commit as the version."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    version = manifest["version"]
    tree = hub_tree(store, manifest, repo_id)
    check_card(tree["README.md"])
    require_online()
    api = HfApi(token=resolve_token())
    with _hub_step("checking the token"):
        api.whoami()
    refs = _refs(api, repo_id)
    if refs is not None and (tag := _ref(refs.tags, version)) is not None:
        raise PublishError(f"{repo_id} already has a tag '{version}' (commit {tag.target_commit[:12]}): a "
                           "version is published once; build a new version or publish to another repo")
    with _hub_step(f"creating {repo_id}"):
        api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True)
    if refs is not None and private:
        log(f"note: {repo_id} already exists: --private leaves its visibility as it is")
    # The commit applies to the tree listed here, or fails: a concurrent commit cannot slip in between.
    main = _ref(getattr(_refs(api, repo_id), "branches", []), "main")
    head = main.target_commit if main is not None else None
    remote: set[str] = set()
    if head is not None:
        with _hub_step(f"listing {repo_id}"):
            remote = set(api.list_repo_files(repo_id, repo_type=REPO_TYPE, revision=head))
    stale = sorted(remote - tree.keys() - KEEP_REMOTE)
    operations = [CommitOperationAdd(path_in_repo=name, path_or_fileobj=str(s) if isinstance(s, Path) else s)
                  for name, s in tree.items()] + [CommitOperationDelete(path_in_repo=name) for name in stale]
    log(f"Uploading {len(tree)} files ({_size(tree)}) to {repo_id} in one commit"
        + (f", deleting {len(stale)} files of older versions" if stale else ""))
    expected = _expected_tree(tree, manifest)

    def commit() -> str:
        return api.create_commit(repo_id, operations, repo_type=REPO_TYPE, parent_commit=head,
                                 commit_message=f"{manifest['dataset']} {version}",
                                 commit_description=_description(manifest)).oid

    revision = _retrying(commit, retries, f"committing to {repo_id}", log, sleep,
                         landed=lambda: _landed(api, repo_id, head, expected))
    _retrying(lambda: api.create_tag(repo_id, tag=version, revision=revision, repo_type=REPO_TYPE,
                                     tag_message=f"{manifest['dataset']} {version}", exist_ok=True),
              retries, f"tagging commit {revision[:12]} as {version}", log, sleep)
    tag = _ref(_refs(api, repo_id).tags, version)
    if tag is None or tag.target_commit != revision:
        raise PublishError(f"tag '{version}' on {repo_id} does not point at the commit just made "
                           f"({revision[:12]}): someone else published {version} meanwhile")
    return Published(repo_id, version, revision, f"{api.endpoint}/datasets/{repo_id}/tree/{version}",
                     len(tree), stale)


def check_card(card: bytes) -> None:
    """The card's header parses as the Hub's card classes read it: fail here, not after uploading."""
    import yaml
    from huggingface_hub import DatasetCard

    try:
        DatasetCard(card.decode())
    except (ValueError, yaml.YAMLError) as e:  # a header that is not YAML, or not a mapping
        raise PublishError(f"the dataset card does not validate: {_one_line(str(e))}") from None


def _refs(api, repo_id: str):
    """The repository's branches and tags, or None when there is no such repository."""
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        with _hub_step(f"reading the refs of {repo_id}"):
            return api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
    except PublishError as e:
        if isinstance(e.__cause__, RepositoryNotFoundError):
            return None
        raise


def _ref(refs: list, name: str):
    return next((r for r in refs if r.name == name), None)


def _description(manifest: dict) -> str:
    return (f"Built {manifest['created_at']} by `pipelines build` from recipe {manifest['recipe_hash'][:16]} "
            f"(build {manifest['build_fingerprint'][:16]}); parent version: {manifest['parent'] or 'none'}.")


def _size(tree: Tree) -> str:
    n = sum(len(s) if isinstance(s, bytes) else s.stat().st_size for s in tree.values())
    return f"{n / 1e6:,.1f} MB" if n >= 1e5 else f"{n:,} bytes"


def _expected_tree(tree: Tree, manifest: dict) -> dict[str, tuple[str, str | None]]:
    """Per file to upload: its sha256 (the manifest's where it lists the file as uploaded) and, for files
    small enough to be plain git blobs, its git blob id."""
    known = {name: digest for name, digest in manifest["files"].items() if name != "README.md"}
    expected = {}
    for name, source in tree.items():
        small = isinstance(source, bytes) or source.stat().st_size <= SMALL_FILE_BYTES
        data = (source if isinstance(source, bytes) else source.read_bytes()) if small else None
        digest = known.get(name) or hashlib.sha256(data).hexdigest()
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() if small else None
        expected[name] = (digest, blob)
    return expected


def _landed(api, repo_id: str, head: str | None, expected: dict[str, tuple[str, str | None]]) -> str | None:
    """The commit on main after `head`, if it holds exactly the tree we sent: our commit, its reply lost."""
    from huggingface_hub.hf_api import RepoFile

    refs = _refs(api, repo_id)
    main = _ref(refs.branches, "main") if refs is not None else None
    if main is None or main.target_commit == head:
        return None
    with _hub_step(f"listing {repo_id}"):
        listing = api.list_repo_tree(repo_id, repo_type=REPO_TYPE, revision=main.target_commit,
                                     recursive=True)
        files = {f.path: f for f in listing if isinstance(f, RepoFile)}
    if files.keys() - KEEP_REMOTE != expected.keys():
        return None
    for name, (digest, blob) in expected.items():
        remote = files[name]
        if (remote.lfs.sha256 != digest) if remote.lfs is not None else (remote.blob_id != blob):
            return None
    return main.target_commit


def _retrying(call: Callable, retries: int, what: str, log: Log, sleep: Callable[[float], None],
              landed: Callable[[], str | None] | None = None):
    """Run `call`; after a transient failure wait (doubling each time) and try again, `retries` times."""
    for attempt in range(retries + 1):
        try:
            with _hub_step(what):
                return call()
        except PublishError as e:
            cause = e.__cause__
            if attempt == retries or cause is None or not _transient(cause):
                if attempt:
                    raise PublishError(f"{e} (after {attempt + 1} attempts)") from cause
                raise
            delay = min(RETRY_MAX_SECONDS, max(RETRY_BASE_SECONDS * 2**attempt, _retry_after(cause)))
            log(f"{e}; retry {attempt + 1}/{retries} in {delay:g} s")
            sleep(delay)
            # The failed try may have gone through with its reply lost: then trying again would fail.
            with contextlib.suppress(PublishError):
                if landed is not None and (result := landed()) is not None:
                    return result


@contextlib.contextmanager
def _hub_step(what: str) -> Iterator[None]:
    """Turn what huggingface_hub raises into a one-line PublishError saying which step failed and why."""
    import httpx2  # huggingface_hub's HTTP client (its dependency): transport errors are its types
    from huggingface_hub.errors import HfHubHTTPError

    try:
        yield
    except PublishError:
        raise
    except HfHubHTTPError as e:
        raise PublishError(f"{what} failed: {_http_summary(e)}") from e
    except (httpx2.HTTPError, OSError) as e:
        raise PublishError(f"{what} failed: {type(e).__name__}: {_one_line(str(e))}") from e
    except Exception as e:  # huggingface_hub's checks of answers and uploads, or an answer it did not expect
        http = next((c for c in _causes(e) if isinstance(c, HfHubHTTPError)), None)
        detail = _http_summary(http) if http is not None else f"{type(e).__name__}: {_one_line(str(e))}"
        raise PublishError(f"{what} failed: {detail}") from (http or e)


def _http_summary(error) -> str:
    status = error.response.status_code if error.response is not None else "?"
    # The server's own words; else huggingface_hub's first line (its 401 of whoami says which token).
    detail = error.server_message or next((line for line in str(error).splitlines() if line.strip()), "")
    hint = " (set HF_TOKEN or run `hf auth login`)" if status == 401 and "token" not in detail else ""
    return f"HTTP {status}" + (f": {_one_line(detail)}" if detail else "") + hint


def _transient(error: BaseException) -> bool:
    """A timeout, a dropped connection, rate limiting or a server error, anywhere in the causes."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    for cause in _causes(error):
        if isinstance(cause, HfHubHTTPError):
            return cause.response is not None and cause.response.status_code in RETRY_STATUS
        if isinstance(cause, httpx2.TimeoutException | httpx2.NetworkError | httpx2.RemoteProtocolError):
            return True
    return False


def _retry_after(error: BaseException) -> float:
    """The seconds a 429 or 503 asks to wait (Retry-After), 0 if it does not say."""
    response = getattr(error, "response", None)
    try:
        return float(response.headers.get("Retry-After", 0)) if response is not None else 0.0
    except ValueError:  # an HTTP date: fall back to our own backoff
        return 0.0


def _causes(error: BaseException | None) -> list[BaseException]:
    chain: list[BaseException] = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"
