"""Runs every benchmark in bench/ and prints their ratios (not part of the tests)."""

import subprocess
import sys
from pathlib import Path

if __name__ == "__main__":
    failed = 0
    for script in sorted(Path(__file__).parent.glob("*.py")):
        if script.name != "run.py":
            print(f"== {script.stem}", flush=True)
            failed |= subprocess.run([sys.executable, str(script), *sys.argv[1:]]).returncode
    sys.exit(failed)
