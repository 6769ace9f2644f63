"""The docs hold together: links and anchors resolve, named source paths exist, YAML recipes validate."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
README_MAX_LINES = 220


def _own() -> list[Path]:
    """The front door and the guides: held to every check."""
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def _linked() -> list[Path]:
    """Every document whose links and anchors must resolve."""
    return [*_own(), *sorted((ROOT / "infra").rglob("README.md")), ROOT / "bench" / "README.md"]


FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


def split_markdown(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    """(line number, prose line) outside code fences, and (line number, info string, body) of each fence."""
    prose: list[tuple[int, str]] = []
    blocks: list[tuple[int, str, str]] = []
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence, info, start, body = match.group(1), match.group(2).lower(), number, []
            else:
                prose.append((number, line))
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and not line.strip().strip(fence[0]):
            blocks.append((start, info, "\n".join(body)))
            fence = None
        else:
            body.append(line)
    if fence is not None:
        blocks.append((start, info, "\n".join(body)))
    return prose, blocks


def slug(heading: str) -> str:
    """GitHub's anchor for a heading (github-slugger): its text lower-cased, punctuation dropped, each
    space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")
    text = text.lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return kept.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The anchors of a Markdown text's headings, duplicates numbered as GitHub numbers them."""
    found: dict[str, int] = {}
    result = set()
    for _, line in split_markdown(text)[0]:
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        n = found.get(base, 0)
        found[base] = n + 1
        result.add(base if n == 0 else f"{base}-{n}")
    return result


def links(text: str) -> list[tuple[int, str]]:
    """(line number, target) of every inline link, image and link reference outside code."""
    found = []
    for number, line in split_markdown(text)[0]:
        line = CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
        found += [(number, m.group(1)) for m in LINK.finditer(line)]
        found += [(number, m.group(1)) for m in REFERENCE.finditer(line)]
    return found


def broken_links(path: Path, text: str | None = None) -> list[str]:
    """Each relative link of a file (or of `text` as if it were that file) that names no file or folder of
    the repository, or no heading of it."""
    text = path.read_text() if text is None else text
    problems = []
    for number, target in links(text):
        if not target or SCHEME.match(target):
            continue
        where, _, anchor = target.partition("#")
        resolved = (path.parent / where).resolve() if where else None
        name = f"{path.relative_to(ROOT)}:{number}: {target}"
        if resolved is None:
            if anchor not in anchors(text):
                problems.append(f"{name}: no heading with anchor #{anchor} in this file")
        elif not resolved.is_relative_to(ROOT):
            problems.append(f"{name}: outside the repository")
        elif not resolved.exists():
            problems.append(f"{name}: no such file or folder")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text()):
            problems.append(f"{name}: no heading with anchor #{anchor} in {resolved.relative_to(ROOT)}")
    return problems


# A path or module of the repository named in the prose: it must exist (placeholders and globs aside).
SOURCE_PATH = re.compile(r"^(?:pipelines|transforms|flows|schemas|bench|infra|tests|docs)/[\w./*-]*$")
SOURCE_MODULE = re.compile(r"^(?:pipelines|transforms|flows|schemas)(?:\.\w+)+$")


def missing_sources(path: Path, text: str | None = None) -> list[str]:
    """Each repository path or module named in code spans of the prose that does not exist."""
    text = path.read_text() if text is None else text
    problems = []
    for number, line in split_markdown(text)[0]:
        for match in CODE_SPAN.finditer(line):
            span = match.group(2).strip()
            name = f"{path.relative_to(ROOT)}:{number}: `{span}`"
            if SOURCE_PATH.match(span):
                exists = any(ROOT.glob(span)) if "*" in span else (ROOT / span).exists()
                if not exists:
                    problems.append(f"{name}: no such file or folder")
            elif SOURCE_MODULE.match(span):
                base = ROOT.joinpath(*span.split("."))
                if not (base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()):
                    problems.append(f"{name}: no such module")
    return problems


@pytest.mark.parametrize("path", _linked(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_and_anchors_resolve(path: Path) -> None:
    assert broken_links(path) == []


@pytest.mark.parametrize("path", _own(), ids=lambda p: str(p.relative_to(ROOT)))
def test_named_sources_exist(path: Path) -> None:
    assert missing_sources(path) == []


def test_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) < README_MAX_LINES, f"README.md has {len(lines)} lines: move detail into docs/"
    linked = {target.partition("#")[0] for _, target in links("\n".join(lines))}
    assert {"docs/README.md", "docs/architecture.md", "bench/README.md", "CONTRIBUTING.md"} <= linked


def test_checks_catch_what_is_broken() -> None:
    """A broken link, a missing anchor (here or in another file), a link out of the repository and a
    missing source path are found; a link or path inside a code block is not checked."""
    text = ("# A title: `with_code` & more\n\n## A title: `with_code` & more\n\n"
            "[ok](#a-title-with_code--more-1) [dup](#a-title-with_code--more)\n"
            "[top](../README.md#two-commands) [gone](no-such-guide.md)\n"
            "[anchor](recipes.md#no-such-heading) [out](../../outside.md) [here](#nope)\n"
            "`[code](not-a-link.md)` `pipelines/no_such_module.py` `transforms.no_such`\n"
            "`pipelines/recipe.py` `transforms/synth/tasks/*.yaml`\n"
            "```\n[fenced](also-not-a-link.md) `pipelines/nor_this.py`\n```\n")
    page = ROOT / "docs" / "page.md"  # read as if it sat in docs/, where its relative links point
    assert anchors(text) == {"a-title-with_code--more", "a-title-with_code--more-1"}
    assert [p.split(": ", 1)[1] for p in broken_links(page, text)] == [
        "no-such-guide.md: no such file or folder",
        "recipes.md#no-such-heading: no heading with anchor #no-such-heading in docs/recipes.md",
        "../../outside.md: outside the repository",
        "#nope: no heading with anchor #nope in this file",
    ]
    assert [s.split(": ", 1)[1] for s in missing_sources(page, text)] == [
        "`pipelines/no_such_module.py`: no such file or folder", "`transforms.no_such`: no such module"]


# Top-level keys a block may hold to be checked as (part of) a recipe.
RECIPE_KEYS = {"name", "description", "license", "input", "executor", "retries", "stages", "output"}


def recipe_blocks() -> list[tuple[str, dict]]:
    """Every YAML block of the README and the guides that is a recipe, part of one, or its stages: completed
    into a whole recipe where it is a part (a stub name, input and first stage). CONTRIBUTING.md's blocks
    show stage types that are not registered."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for number, info, body in split_markdown(path.read_text())[1]:
            if info not in ("yaml", "yml"):
                continue
            name = f"{path.relative_to(ROOT)}:{number}"
            data = yaml.safe_load(body)
            if isinstance(data, list) and all(isinstance(s, dict) and "type" in s for s in data):
                data = {"stages": data}
            if not (isinstance(data, dict) and data and set(data) <= RECIPE_KEYS):
                continue
            stub = {"name": "docs-check", "input": {"format": "warc", "paths": ["crawl/*.warc.gz"]},
                    "stages": [{"type": "extract"}]}
            found.append((name, stub | data))
    return found


def test_recipes_in_the_docs_validate() -> None:
    """Each recipe, recipe section and list of stages shown in the docs is valid as the loader sees it."""
    from pydantic import ValidationError

    from pipelines.recipe import Recipe, describe_error

    blocks = recipe_blocks()
    assert len(blocks) >= 10  # the README's recipe and the guides' stages are among them
    errors = []
    for name, data in blocks:
        try:
            Recipe.model_validate(data)
        except ValidationError as e:
            errors.append(f"{name}: {describe_error(e)}")
    assert errors == []
