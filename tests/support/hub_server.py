"""A stand-in for the Hugging Face Hub on 127.0.0.1: the part of its HTTP API that HfApi calls to publish.

The public Hub cannot be reached from the tests, so this is the one test double: everything up to the
HTTP request is the real huggingface_hub (pointed here with HF_ENDPOINT). It speaks whoami, repo
create and info, refs, the tree listing (paginated by Link headers, as the Hub does), preupload, the
LFS batch API with the basic transfer (PUT, then verify), the NDJSON commit, tag creation, YAML
validation and the agent-harness registry huggingface_hub fetches for its user agent, with the Hub's
error headers (X-Error-Code, X-Error-Message).

Since huggingface_hub 1.x the client alone decides between Xet and LFS: with hf_xet installed it
uploads through Xet unless HF_HUB_DISABLE_XET is set (no server answer steers it), so the tests run
the CLI with HF_HUB_DISABLE_XET=1. Xet's content-addressed protocol is not spoken here.

What it receives is kept: every object by sha256 under `root/objects`, every commit's tree, refs and
tags, and a log of each request with its Authorization header. Faults can be injected: an HTTP status
for the next N matching requests, or a request that is carried out but whose reply is never sent.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import yaml

USER = "tester"
ORGS = ("my-org",)
# The start of the Hub's default .gitattributes for a new repository: these paths go to LFS.
GITATTRIBUTES = "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in (
    "*.7z", "*.arrow", "*.bin", "*.gz", "*.parquet", "*.png", "*.jpg", "*.npy", "*.zip", "*.zst"))
LFS_ABOVE_BYTES = 10 * 2**20  # larger files go to LFS whatever their name
SIZE_CATEGORIES = json.loads(
    resources.files("datasets.utils.resources").joinpath("size_categories.json").read_text())
REPO_PATH = re.compile(r"^/api/datasets/(?P<repo>[^/]+/[^/]+)(?:/(?P<verb>preupload|commit|tree|refs|tag|"
                       r"revision)(?:/(?P<rest>.*))?)?$")
LFS_BATCH = re.compile(r"^/datasets/(?P<repo>[^/]+/[^/]+)\.git/info/lfs/objects/batch$")
LFS_OBJECT = re.compile(r"^/_lfs/(?P<repo>[^/]+/[^/]+)/(?P<oid>[0-9a-f]{64})(?P<verify>/verify)?$")


class HubError(Exception):
    """An error reply: status, JSON body, and the Hub's error headers."""

    def __init__(self, status: int, message: str, code: str | None = None, **extra):
        super().__init__(message)
        self.status, self.message, self.code, self.extra = status, message, code, extra


@dataclass
class Entry:
    sha256: str
    size: int
    lfs: bool
    blob_id: str  # git's id: of the content for a plain file, of its pointer file for an LFS one


@dataclass
class Commit:
    oid: str
    parent: str | None
    summary: str
    description: str
    files: dict[str, Entry]


@dataclass
class Repo:
    repo_id: str
    private: bool
    commits: list[Commit] = field(default_factory=list)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def commit(self, oid: str) -> Commit:
        return next(c for c in self.commits if c.oid == oid)

    def resolve(self, revision: str) -> Commit:
        """A branch, a tag or a commit id (or its first 7+ characters)."""
        revision = unquote(revision)
        oid = self.branches.get(revision) or self.tags.get(revision)
        matches = [c for c in self.commits
                   if c.oid == oid or (len(revision) >= 7 and c.oid.startswith(revision))]
        if not matches:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return matches[0]


@dataclass
class Fault:
    method: str
    path: re.Pattern
    status: int | None  # None: carry the request out, then drop the connection without a reply
    times: int
    message: str = "injected fault"
    headers: dict = field(default_factory=dict)


class HubServer:
    """The Hub's API on 127.0.0.1; `with HubServer(folder, token) as hub:` starts and stops it."""

    def __init__(self, root: Path, token: str, page_size: int = 1000):
        self.root, self.token, self.page_size = Path(root), token, page_size
        (self.root / "objects").mkdir(parents=True, exist_ok=True)
        self.repos: dict[str, Repo] = {}
        self.requests: list[dict] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._counter = itertools.count(1)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # What the tests look at.
    def fail(self, method: str, path: str, status: int | None, times: int = 1,
             message: str = "injected fault", headers: dict | None = None) -> None:
        """The next `times` requests matching (method, path regex) get `status` (None: no reply at all)."""
        with self.lock:
            self.faults.append(Fault(method, re.compile(path), status, times, message, headers or {}))

    def seen(self, method: str, path: str) -> list[dict]:
        """The requests (method, path regex) received so far, with their status and Authorization."""
        return [r for r in self.requests if r["method"] == method and re.search(path, r["path"])]

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        """Every file of the repository at a revision, with its bytes."""
        commit = self.repos[repo_id].resolve(revision)
        return {path: self.read(e.sha256) for path, e in commit.files.items()}

    def read(self, sha256: str) -> bytes:
        return (self.root / "objects" / sha256).read_bytes()

    # The API.
    def handle(self, method: str, path: str, query: dict, headers, body: bytes) -> tuple[int, object, dict]:
        if path == "/api/whoami-v2" and method == "GET":
            self._auth(headers)
            token = {"displayName": "tests", "role": "write"}
            return 200, {"type": "user", "id": "1", "name": USER, "fullname": "Test User",
                         "orgs": [{"type": "org", "name": o, "roleInOrg": "write"} for o in ORGS],
                         "auth": {"type": "access_token", "accessToken": token}}, {}
        if path == "/api/agent-harnesses" and method == "GET":  # huggingface_hub's user-agent telemetry
            return 200, {"standardEnvVars": [], "harnesses": {}}, {}
        if path == "/api/repos/create" and method == "POST":
            self._auth(headers)
            return self._create(json.loads(body))
        if path == "/api/validate-yaml" and method == "POST":
            return self._validate_yaml(json.loads(body)["content"])
        if m := LFS_BATCH.match(path):
            self._auth(headers)
            return self._lfs_batch(self._repo(m["repo"]), json.loads(body))
        if m := LFS_OBJECT.match(path):
            return self._lfs_object(method, m["repo"], m["oid"], bool(m["verify"]), body, headers)
        if m := REPO_PATH.match(path):
            self._auth(headers)
            repo, verb, rest = self._repo(m["repo"]), m["verb"], m["rest"] or ""
            if verb is None or verb == "revision":
                return 200, self._info(repo, rest or "main"), {}
            if verb == "refs":
                return 200, self._refs(repo), {}
            if verb == "tree":
                return self._tree(repo, rest, query)
            if verb == "preupload":
                return 200, self._preupload(repo, rest, json.loads(body)), {}
            if verb == "commit":
                return 200, self._commit(repo, rest, body), {}
            if verb == "tag":
                return 200, self._tag(repo, rest, json.loads(body)), {}
        raise HubError(404, f"no route for {method} {path}")

    def _auth(self, headers) -> None:
        if headers.get("Authorization") != f"Bearer {self.token}":
            raise HubError(401, "Invalid credentials in Authorization header")

    def _repo(self, repo_id: str) -> Repo:
        if repo_id not in self.repos:
            raise HubError(404, "Repository not found", "RepoNotFound")
        return self.repos[repo_id]

    def _create(self, payload: dict) -> tuple[int, object, dict]:
        namespace = payload.get("organization") or USER
        if payload.get("type") != "dataset":
            raise HubError(400, "only dataset repositories here")
        if namespace not in (USER, *ORGS):
            raise HubError(403, f"You don't have the rights to create a dataset under {namespace!r}")
        repo_id = f"{namespace}/{payload['name']}"
        url = f"{self.url}/datasets/{repo_id}"
        if repo_id in self.repos:
            raise HubError(409, "You already created this dataset repo", url=url)
        repo = Repo(repo_id, payload.get("visibility") == "private")
        # A new repository on the Hub has one commit: its .gitattributes.
        attributes = {".gitattributes": self._store(GITATTRIBUTES.encode())}
        self._new_commit(repo, None, "initial commit", "", attributes)
        self.repos[repo_id] = repo
        return 200, {"url": url, "name": repo_id, "id": repo_id}, {}

    def _info(self, repo: Repo, revision: str) -> dict:
        commit = repo.resolve(revision)
        return {"id": repo.repo_id, "sha": commit.oid, "private": repo.private, "tags": [],
                "siblings": [{"rfilename": p} for p in sorted(commit.files)]}

    def _refs(self, repo: Repo) -> dict:
        def refs(kind: str, items: dict) -> list[dict]:
            return [{"name": n, "ref": f"refs/{kind}/{n}", "targetCommit": o} for n, o in items.items()]

        return {"branches": refs("heads", repo.branches), "converts": [], "tags": refs("tags", repo.tags)}

    def _tree(self, repo: Repo, rest: str, query: dict) -> tuple[int, object, dict]:
        revision, _, prefix = rest.partition("/")
        commit = repo.resolve(revision)
        prefix = unquote(prefix).strip("/")
        recursive = query.get("recursive", ["false"])[0].lower() == "true"
        entries = []
        folders = set()
        for path in sorted(commit.files):
            if prefix and not path.startswith(prefix + "/"):
                continue
            rel = path[len(prefix) + 1:] if prefix else path
            parts = rel.split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(([prefix] if prefix else []) + parts[:depth])
                if (recursive or depth == 1) and folder not in folders:
                    folders.add(folder)
                    entries.append({"type": "directory", "oid": hashlib.sha1(folder.encode()).hexdigest(),
                                    "size": 0, "path": folder})
            if recursive or len(parts) == 1:
                entries.append(self._file_info(path, commit.files[path]))
        cursor = int(query.get("cursor", ["0"])[0])
        page = entries[cursor:cursor + self.page_size]
        headers = {}
        if cursor + self.page_size < len(entries):
            params = {k: v[0] for k, v in query.items()} | {"cursor": cursor + self.page_size}
            next_url = f"{self.url}/api/datasets/{repo.repo_id}/tree/{rest}?{urlencode(params)}"
            headers["Link"] = f'<{next_url}>; rel="next"'
        return 200, page, headers

    @staticmethod
    def _file_info(path: str, entry: Entry) -> dict:
        info = {"type": "file", "oid": entry.blob_id, "size": entry.size, "path": path}
        if entry.lfs:
            info["lfs"] = {"oid": entry.sha256, "size": entry.size,
                           "pointerSize": len(_pointer(entry.sha256, entry.size))}
        return info

    def _preupload(self, repo: Repo, revision: str, payload: dict) -> dict:
        commit = repo.resolve(revision)
        attributes = commit.files.get(".gitattributes")
        lines = self.read(attributes.sha256).decode().splitlines() if attributes else []
        patterns = [line.split()[0] for line in lines if "filter=lfs" in line]
        out = []
        for f in payload["files"]:
            sample = base64.b64decode(f["sample"])
            lfs = (f["size"] > LFS_ABOVE_BYTES or b"\0" in sample
                   or any(fnmatch.fnmatch(f["path"].rsplit("/", 1)[-1], p) for p in patterns))
            existing = commit.files.get(f["path"])
            oid = (existing.sha256 if existing.lfs else existing.blob_id) if existing else None
            out.append({"path": f["path"], "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False,
                        "oid": oid})
        return {"files": out, "commitOid": commit.oid}

    def _lfs_batch(self, repo: Repo, payload: dict) -> tuple[int, object, dict]:
        if payload.get("operation") != "upload" or "basic" not in payload.get("transfers", ["basic"]):
            raise HubError(400, "only basic uploads here")
        objects = []
        for obj in payload["objects"]:
            item = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if not (self.root / "objects" / obj["oid"]).is_file():
                href = f"{self.url}/_lfs/{repo.repo_id}/{obj['oid']}"
                item["actions"] = {"upload": {"href": href, "expires_in": 3600},
                                   "verify": {"href": f"{href}/verify", "expires_in": 3600}}
            objects.append(item)
        return 200, {"transfer": "basic", "objects": objects, "hash_algo": "sha256"}, {
            "Content-Type": "application/vnd.git-lfs+json"}

    def _lfs_object(self, method: str, repo_id: str, oid: str, verify: bool, body: bytes, headers):
        if verify and method == "POST":
            self._auth(headers)
            obj = json.loads(body)
            stored = self.root / "objects" / oid
            if not stored.is_file() or stored.stat().st_size != obj["size"]:
                raise HubError(404, f"object {oid} not uploaded")
            return 200, {}, {}
        if method != "PUT":
            raise HubError(405, "PUT the object")
        # A presigned upload URL: no Authorization, but the content must be what was announced.
        if hashlib.sha256(body).hexdigest() != oid:
            raise HubError(400, "sha256 of the body does not match the object id")
        self._store(body)
        return 200, {}, {}

    def _commit(self, repo: Repo, revision: str, body: bytes) -> dict:
        revision = unquote(revision)
        if revision not in repo.branches:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        head = repo.branches[revision]
        lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        header = lines[0]["value"] if lines and lines[0]["key"] == "header" else {}
        parent = header.get("parentCommit")
        if parent is not None and not head.startswith(parent):
            raise HubError(412, "A commit has happened since. Please refresh and try again.")
        files = dict(repo.commit(head).files)
        for line in lines[1:]:
            key, value = line["key"], line["value"]
            if key == "file":
                files[value["path"]] = self._store(base64.b64decode(value["content"]))
            elif key == "lfsFile":
                stored = self.root / "objects" / value["oid"]
                if not stored.is_file():
                    raise HubError(422, f"LFS object {value['oid']} of {value['path']} was never uploaded")
                size = stored.stat().st_size
                pointer = _pointer(value["oid"], size)
                files[value["path"]] = Entry(value["oid"], size, True, _git_blob(pointer))
            elif key == "deletedFile":
                if files.pop(value["path"], None) is None:
                    raise HubError(404, f"A file with this name doesn't exist: {value['path']}",
                                   "EntryNotFound")
            elif key == "deletedFolder":
                folder = value["path"].rstrip("/") + "/"
                files = {p: e for p, e in files.items() if not p.startswith(folder)}
            else:
                raise HubError(400, f"unknown commit operation {key!r}")
        commit = self._new_commit(repo, head, header.get("summary", ""), header.get("description", ""), files,
                                  branch=revision)
        url = f"{self.url}/datasets/{repo.repo_id}/commit/{commit.oid}"
        return {"success": True, "commitOid": commit.oid, "commitUrl": url, "hookOutput": ""}

    def _tag(self, repo: Repo, revision: str, payload: dict) -> dict:
        commit = repo.resolve(revision)
        if payload["tag"] in repo.tags:
            raise HubError(409, f"Tag {payload['tag']} already exists")
        repo.tags[payload["tag"]] = commit.oid
        return {}

    def _validate_yaml(self, content: str) -> tuple[int, object, dict]:
        """The Hub's check of a card's metadata, in part: a YAML mapping, known sizes, well-formed configs."""
        match = re.match(r"^---\n(.*?)\n---\n", content, re.S)
        errors = []
        meta = yaml.safe_load(match[1]) if match else {}
        if not isinstance(meta, dict):
            errors.append("metadata is not a YAML mapping")
            meta = {}
        for size in meta.get("size_categories", []):
            if size not in SIZE_CATEGORIES:
                errors.append(f'"size_categories" must be one of {SIZE_CATEGORIES}, got {size!r}')
        if not all(isinstance(t, str) for t in meta.get("task_categories", [])):
            errors.append('"task_categories" must be a list of strings')
        for config in meta.get("configs", []):
            if not isinstance(config.get("config_name"), str) or "data_files" not in config:
                errors.append(f"a config needs config_name and data_files: {config}")
        if errors:
            return 400, {"errors": [{"message": e} for e in errors]}, {}
        return 200, {"errors": [], "warnings": []}, {}

    def _store(self, data: bytes) -> Entry:
        digest = hashlib.sha256(data).hexdigest()
        (self.root / "objects" / digest).write_bytes(data)
        return Entry(digest, len(data), False, _git_blob(data))

    def _new_commit(self, repo: Repo, parent: str | None, summary: str, description: str,
                    files: dict[str, Entry], branch: str = "main") -> Commit:
        tree = sorted((p, e.sha256) for p, e in files.items())
        seed = json.dumps([parent, summary, next(self._counter), tree])
        commit = Commit(hashlib.sha1(seed.encode()).hexdigest(), parent, summary, description, files)
        repo.commits.append(commit)
        repo.branches[branch] = commit.oid
        return commit


def _git_blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def _handler(hub: HubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet: the tests read hub.requests
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline().strip():  # trailers
                    pass
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _serve(self) -> None:
            url = urlsplit(self.path)
            body = self._body()
            record = {"method": self.command, "path": url.path, "query": url.query,
                      "authorization": self.headers.get("Authorization"), "status": None}
            with hub.lock:
                hub.requests.append(record)
                fault = next((f for f in hub.faults if f.times > 0 and f.method == self.command
                              and f.path.search(url.path)), None)
                if fault is not None:
                    fault.times -= 1
                if fault is not None and fault.status is not None:
                    status, payload, headers = fault.status, {"error": fault.message}, dict(fault.headers)
                else:
                    try:
                        status, payload, headers = hub.handle(self.command, url.path, parse_qs(url.query),
                                                              self.headers, body)
                    except HubError as e:
                        status, payload = e.status, {"error": e.message, **e.extra}
                        headers = {"X-Error-Message": e.message}
                        if e.code:
                            headers["X-Error-Code"] = e.code
            record["status"] = status
            if fault is not None and fault.status is None:  # carried out, but the reply is lost
                record["status"] = "dropped"
                self.close_connection = True
                return
            data = json.dumps(payload).encode()
            self.send_response(status)
            headers.setdefault("Content-Type", "application/json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler
