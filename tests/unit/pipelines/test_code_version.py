"""A stage's code version is derived from its imports: every module of ours it reaches, at any depth, counts;
nothing else does."""

from __future__ import annotations

import functools

import pytest

from pipelines import code_version
from pipelines.stages import STAGES


@functools.cache
def _source(name: str) -> str:
    return code_version.read_source(name)


def _ours() -> list[str]:
    """Every module of our packages, found from the files."""
    names = []
    for package, root in code_version._roots().items():
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            names.append(".".join((package, *parts)))
    return names


def _edited(target: str):
    return lambda name: _source(name) + ("\n# edited\n" if name == target else "")


@pytest.mark.parametrize("kind", sorted(STAGES))
def test_editing_a_module_in_a_stage_closure_changes_its_version_and_no_other_does(kind):
    cls = STAGES[kind]
    before = cls.code_version(read=_source)
    closure = set(cls.code_modules())
    assert cls.__module__ in closure and "pipelines.engines.datatrove.cache" in closure
    for module in _ours():
        after = cls.code_version(read=_edited(module))
        assert (after != before) == (module in closure), (kind, module, module in closure)


def test_the_synthesize_stage_covers_what_its_checks_and_seed_reader_import():
    closure = set(STAGES["synthesize"].code_modules())
    assert {"transforms.table_files", "transforms.decontam", "transforms.synth.checks.grounded",
            "pipelines.engines.beam", "transforms.synth.rows"} <= closure
    # A module imported only inside a function counts as much as one imported at the top.
    assert "pipelines.engines.datatrove.rows" in set(STAGES["dedup_exact"].code_modules())


def test_a_new_import_brings_its_module_into_the_closure():
    """Editing a stage's file to import another module of ours adds that module's source to its version."""
    cls = STAGES["langid"]
    assert "transforms.bradley_terry" not in cls.code_modules()
    module = cls.__module__

    def read(name: str) -> str:
        return _source(name) + ("\nimport transforms.bradley_terry\n" if name == module else "")

    assert "transforms.bradley_terry" in code_version.closure([module], read)
    edited_bt = lambda name: read(name) + ("\n# edited\n" if name == "transforms.bradley_terry" else "")  # noqa: E731
    assert cls.code_version(read=read) != cls.code_version(read=edited_bt)


def test_relative_imports_and_packages_resolve():
    read = {"transforms.synth.fake": "from .checks import length\nfrom . import cache\n"}.get
    ours, _ = code_version._parsed_imports("transforms.synth.fake", read("transforms.synth.fake"))
    assert {"transforms.synth.checks", "transforms.synth.checks.length",
            "transforms.synth.cache"} <= set(ours)


def test_libraries_are_the_installed_distributions_of_what_the_code_imports():
    libraries = STAGES["langid"].library_names()
    assert "fasttext-numpy2-wheel" in libraries and "datatrove" in libraries
    assert "apache-beam" not in libraries  # only the synthesis stages reach Beam
    assert "apache-beam" in STAGES["synthesize"].library_names()
