"""Recipes: YAML validated by pydantic, overridable with --set, one-line errors before any work."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from support import run_cli
from support.recipes import recipe_text

from pipelines.errors import RecipeError
from pipelines.recipe import builtin_recipes, expand_inputs, load_recipe

GOOD = recipe_text("my-set.yaml")  # a good recipe, which each bad one edits


def write(tmp_path: Path, text: str, name: str = "recipe.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_builtin_recipe_loads_with_defaults():
    assert "web-demo" in builtin_recipes()
    recipe, path = load_recipe("web-demo")
    assert path.name == "web-demo.yaml"
    assert [s.type for s in recipe.stages] == ["extract", "langid"]
    assert recipe.executor.tasks > 1
    files = expand_inputs(recipe)
    assert len(files) == 4 and all(f.name.endswith(".warc.gz") for f in files)


def test_recipe_path_and_relative_inputs(tmp_path):
    path = write(tmp_path, GOOD)
    recipe, _ = load_recipe(str(path))
    assert recipe.input.paths == [str(tmp_path / "crawl" / "*.warc.gz")]
    assert recipe.stages[1].min_score == 0.65  # a default filled in


def test_set_overrides_any_field(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, GOOD)
    recipe, _ = load_recipe(str(path), [
        "input.paths=[other/a.warc.gz, other/b.warc]",  # relative to the working dir
        "stages.langid.languages=[de, fr]",              # a stage by its type
        "stages.0.timeout=2.5",                          # or by its index
        "executor.tasks=3",
        "description=built from: the command line",
    ])
    assert recipe.input.paths == [str(tmp_path / "other/a.warc.gz"), str(tmp_path / "other/b.warc")]
    assert recipe.stages[1].languages == ["de", "fr"]
    assert recipe.stages[0].timeout == 2.5
    assert recipe.executor.tasks == 3
    assert recipe.description == "built from: the command line"


@pytest.mark.parametrize("text, overrides, expected", [
    (GOOD.replace("type: langid", "type: translate"), [],
     "stages.1.type: unknown stage type; expected one of 'c4_quality', 'decontaminate', 'dedup_exact', "
     "'dedup_minhash', 'execute', 'extract', 'fineweb_quality', 'gopher_quality', 'gopher_repetition', "
     "'langid', 'quality', 'quality_distill', 'synthesize', 'url_filter' (got 'translate')"),
    (GOOD.replace("languages: [en]", "languages: en"), [],
     "stages.1.languages: Input should be a valid list (got 'en')"),
    (GOOD + "colour: blue\n", [], "colour: Extra inputs are not permitted (got 'blue')"),
    (GOOD.replace("name: my-set", "name: My Set!"), [], "name: String should match pattern"),
    (GOOD.replace("  format: warc\n", "  format: pdf\n"), [],
     "input.format: Input should be 'warc', 'wet', 'jsonl' or 'parquet' (got 'pdf')"),
    (GOOD.replace("name: my-set\n", ""), [], "name: Field required"),
    (GOOD, ["stages.langid.min_score=high"],
     "stages.1.min_score: Input should be a valid number, unable to parse string as a number"),
    (GOOD, ["executor.tasks=0"], "executor.tasks: Input should be greater than or equal to 1"),
    (GOOD, ["stages.dedup.k=1"], "--set stages.dedup: no stage of type 'dedup'"),
    (GOOD, ["stages.7.timeout=1"], "--set stages.7: index out of range"),
    (GOOD, ["justakey"], "--set justakey: expected KEY=VALUE"),
    (GOOD, ["input.paths.first=a.warc"], "--set input.paths.first: expected a list index"),
    (GOOD, ["name.first=x"], "--set name.first: 'name' is a value, not a section"),
    ("name: [unclosed\n", [], "not valid YAML"),
    ("- a list\n", [], "expected a mapping of recipe fields"),
])
def test_bad_recipe_is_one_line_naming_file_field_and_expectation(tmp_path, text, overrides,
                                                                    expected):
    path = write(tmp_path, text)
    with pytest.raises(RecipeError) as info:
        load_recipe(str(path), overrides)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message
    if not expected.startswith("--set"):
        assert message.startswith(str(path))


def test_unknown_recipe_name_lists_the_builtins(tmp_path):
    with pytest.raises(RecipeError, match="no recipe 'web-dmeo'.*web-demo"):
        load_recipe("web-dmeo")
    with pytest.raises(RecipeError, match=f"recipe file {tmp_path}/gone.yaml does not exist"):
        load_recipe(str(tmp_path / "gone.yaml"))


def test_input_glob_matching_nothing_is_an_error(tmp_path):
    recipe, _ = load_recipe(str(write(tmp_path, GOOD)))
    with pytest.raises(RecipeError, match=r"input.paths: no file matches '.*crawl/\*.warc.gz'"):
        expand_inputs(recipe)


def test_recipe_is_data_not_code(tmp_path):
    evil = GOOD.replace("name: my-set", "name: !!python/object/apply:os.system ['touch pwned']")
    with pytest.raises(RecipeError, match="not valid YAML"):
        load_recipe(str(write(tmp_path, evil)))
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_cli_bad_recipe_fails_before_any_work(tmp_path, state, out):
    path = write(tmp_path, GOOD.replace("languages: [en]", "languages: 5"))
    result = run_cli("build", str(path), "--out", str(out))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0] == f"error: {path}: stages.1.languages: Input should be a valid list (got 5)"
    assert "Traceback" not in result.stderr + result.stdout
    assert not out.exists() and not (state / "stages").exists()


def test_cli_bad_override_fails_before_any_work(state, out):
    result = run_cli("build", "web-demo", "--out", str(out), "--set", "stages.langid.min_score=2")
    assert result.returncode != 0
    assert result.stderr.strip().endswith(
        "web-demo.yaml: stages.1.min_score: Input should be less than or equal to 1 (got 2)")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
