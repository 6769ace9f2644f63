"""Code versions derived from the import graph: a module, every module of ours it imports (transitively, at
any depth of a function), and the versions of the libraries those import. Read from source, never imported."""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from pipelines.engines.libraries import CODE_PACKAGES, library_version

Reader = Callable[[str], str]  # module name -> its source


@functools.cache
def _roots() -> dict[str, Path]:
    """The folder of each of our packages, found without importing it."""
    return {name: Path(importlib.util.find_spec(name).origin).parent for name in CODE_PACKAGES}


def module_file(name: str) -> Path | None:
    """The file of one of our modules (a package's __init__.py), or None for a module that is not ours."""
    top, *rest = name.split(".")
    root = _roots().get(top)
    if root is None:
        module = sys.modules.get(name)  # a plugin stage's own module, imported by the registry
        return Path(module.__file__) if getattr(module, "__file__", None) else None
    base = root.joinpath(*rest)
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def read_source(name: str) -> str:
    path = module_file(name)
    if path is None:
        return ""
    stat = path.stat()
    return _read(str(path), stat.st_mtime_ns, stat.st_size)


_READ_FILES = read_source


@functools.lru_cache(maxsize=4096)
def _read(path: str, mtime_ns: int, size: int) -> str:
    """A file's text, read again only when it changes (a build asks for each module dozens of times)."""
    return Path(path).read_text()


def _stamp(modules: Iterable[str]) -> tuple:
    """What tells whether any of `modules` changed: each file's path, time and size."""
    stamps = []
    for name in modules:
        path = module_file(name)
        stat = path.stat() if path else None
        stamps.append((name, str(path), stat.st_mtime_ns, stat.st_size) if stat else (name,))
    return tuple(stamps)


# (roots, libraries, extra) -> (the closure's stamp, the code version): a build asks each stage's version
# several times (the plan, each run, the version's manifest), each a walk over ~70 modules.
_VERSIONS: dict[tuple, tuple[tuple, str]] = {}


@functools.cache
def _parsed_imports(name: str, source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The modules a source imports: (ours, other top-level names), relative imports resolved."""
    package = name if (module_file(name) or Path()).name == "__init__.py" else name.rpartition(".")[0]
    ours, others = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            # `from a import b` imports a, and a.b where b is a module.
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for full in names:
            top = full.split(".")[0]
            if top in CODE_PACKAGES:
                parts = full.split(".")
                # Importing a.b.c runs a and a.b too.
                ours.update(".".join(parts[:k]) for k in range(1, len(parts) + 1)
                            if module_file(".".join(parts[:k])))
            elif top and top != "__future__" and top not in sys.stdlib_module_names:
                others.add(top)
    ours.discard(name)
    return tuple(sorted(ours)), tuple(sorted(others))


def closure(roots: Iterable[str], read: Reader | None = None) -> list[str]:
    """The modules of ours that `roots` import, transitively, with the roots; sorted."""
    read = read or read_source
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += _parsed_imports(name, read(name))[0]
    return sorted(seen)


def libraries_of(modules: Iterable[str], read: Reader | None = None) -> list[str]:
    """The distributions that provide the third-party modules that `modules` import."""
    read = read or read_source
    found: set[str] = set()
    names = _distributions()
    for module in modules:
        for top in _parsed_imports(module, read(module))[1]:
            found.update(names.get(top, []))
    return sorted(found)


def code_version(roots: Iterable[str], extra_libraries: Iterable[str] = (), extra: str = "",
                 read: Reader | None = None) -> str:
    """sha256 (16 hex digits) of the sources of `roots`' closure and the versions of its libraries."""
    roots = tuple(sorted(roots))
    if read is not None or read_source is not _READ_FILES:  # a test's stand-in reader is never remembered
        read = read or read_source
        return _digest(closure(roots, read), extra_libraries, extra, read)
    key = (roots, tuple(sorted(extra_libraries)), extra)
    if (known := _VERSIONS.get(key)) and _stamp(name for name, *_ in known[0]) == known[0]:
        return known[1]
    modules = closure(roots, read_source)
    stamp = _stamp(modules)  # before reading: an edit meanwhile shows next time
    _VERSIONS[key] = (stamp, _digest(modules, extra_libraries, extra, read_source))
    return _VERSIONS[key][1]


def _digest(modules: list[str], extra_libraries: Iterable[str], extra: str, read: Reader) -> str:
    h = hashlib.sha256(extra.encode())
    for name in modules:
        h.update(f"\0{name}\0".encode())
        h.update(read(name).encode())
    for lib in sorted({*libraries_of(modules, read), *extra_libraries}):
        h.update(f"\0{lib}=={library_version(lib)}".encode())
    return h.hexdigest()[:16]


@functools.cache
def _distributions() -> dict[str, list[str]]:
    """importlib.metadata's module -> distributions map, kept on disk beside the installed packages' stamp:
    building it reads every distribution's metadata (~0.4 s), and what is installed rarely changes."""
    from pipelines import settings

    stamp = [[p, os.stat(p).st_mtime_ns] for p in sys.path if p and os.path.isdir(p)]
    cache = settings.state_dir() / "distributions.json"
    try:
        saved = json.loads(cache.read_text())
        if saved["stamp"] == stamp:
            return saved["map"]
    except (OSError, ValueError, KeyError):
        pass
    found = {k: sorted(set(v)) for k, v in importlib.metadata.packages_distributions().items()}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"stamp": stamp, "map": found}))
        os.replace(tmp, cache)
    except OSError:  # a read-only state folder: computed again next time
        pass
    return found
