"""Runs every benchmark in bench/ (`make bench`); each prints its ratio against the raw library.

Not part of the tests: these machines are shared and noisy, so each benchmark quotes medians.
"""

import subprocess
import sys
from pathlib import Path

BENCHES = [
    ["curation.py", "--recipe", "web-demo"],
    ["curation.py", "--recipe", "web-quality"],
    ["memory.py", "--recipe", "web-quality"],
    ["quality.py"],
    ["extraction.py"],
    ["dedup.py"],
    ["decontam.py"],
    ["synth.py"],
    ["upload.py"],
    ["scaling.py"],
]

if __name__ == "__main__":
    failed = 0
    for script, *args in BENCHES:
        print(f"== {script} {' '.join(args)}", flush=True)
        path = Path(__file__).parent / script
        failed |= subprocess.run([sys.executable, str(path), *args], stderr=subprocess.DEVNULL).returncode
    sys.exit(failed)
