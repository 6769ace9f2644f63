"""The code stays ruff clean, and its layers point down (the import-linter contracts in pyproject.toml)."""

import subprocess

from support import BIN, ROOT


def test_ruff_check_is_clean():
    result = subprocess.run([str(BIN / "ruff"), "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_layers_point_down_and_nothing_imports_in_a_cycle():
    result = subprocess.run([str(BIN / "lint-imports"), "--no-cache"], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_a_crossed_layer_is_caught(tmp_path):
    """The contracts are live: a copy of the code whose transforms import pipelines breaks them."""
    import shutil

    for package in ("flows", "pipelines", "transforms", "schemas"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    errors = tmp_path / "transforms" / "errors.py"
    errors.write_text(errors.read_text() + "\nfrom pipelines.settings import state_dir  # noqa\n")
    result = subprocess.run([str(BIN / "lint-imports"), "--no-cache"], capture_output=True, text=True,
                            cwd=tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": str(BIN)})
    assert result.returncode == 1, result.stdout
    assert "transforms.errors -> pipelines.settings" in result.stdout
