"""What a test reads of a Slurm job's script."""

from __future__ import annotations


def directives(script: str) -> dict[str, str | None]:
    """The #SBATCH options of a script: name -> value (None for a flag)."""
    options = {}
    for line in script.splitlines():
        if line.startswith("#SBATCH --"):
            name, _, value = line.removeprefix("#SBATCH --").partition("=")
            options[name] = value or None
    return options
