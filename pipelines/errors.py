"""Errors a user can fix: the CLI prints their one-line message, never a traceback."""

from pipelines.engines.errors import EngineError
from transforms.errors import TransformError, TransientTransformError


class PipelinesError(Exception):
    """A mistake in what the user asked for, with a one-line message that says what to change."""


class RecipeError(PipelinesError):
    """A recipe or a --set override that does not validate."""


class StoreError(PipelinesError):
    """A dataset or version that does not exist, or a store that cannot be written."""


class TransientError(PipelinesError):
    """A failure that may pass on its own (a model server down, a remote read): the stage retries."""


class PublishError(PipelinesError):
    """A publish that cannot start (no token, a bad repo id, a tag already there) or that the Hub refused."""


# Every layer raises its own one-line user errors; whoever ends a command catches all of them.
USER_ERRORS = (PipelinesError, EngineError, TransformError)
TRANSIENT_ERRORS = (TransientError, TransientTransformError)
