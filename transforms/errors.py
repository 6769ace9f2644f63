"""Errors a transform raises on what it was given: one line that says what to change."""


class TransformError(Exception):
    """A mistake in what a transform was given (a missing model file, a bad option), in one line."""


class TransientTransformError(TransformError):
    """A failure that may pass on its own (a model server down): the stage that met it retries."""
