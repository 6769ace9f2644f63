"""Errors the engine adapters raise on what they were asked to run: one line that says what to change."""


class EngineError(Exception):
    """A mistake in how a stage was asked to run (no Slurm here, no Ray cluster), in one line."""
