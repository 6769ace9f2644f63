"""The code stays ruff clean."""

import subprocess

from conftest import BIN, ROOT


def test_ruff_check_is_clean():
    result = subprocess.run([str(BIN / "ruff"), "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
