"""Loading a local fastText model file, with one clear line when it cannot be."""

from __future__ import annotations

from pathlib import Path

from transforms.errors import TransformError


def load_fasttext(path: Path, what: str):
    """The fastText model at `path`; `what` names the stage in the error."""
    import fasttext

    if not path.is_file():
        raise TransformError(f"{what}: model file {path} does not exist")
    try:
        return fasttext.load_model(str(path))
    except (ValueError, MemoryError, RuntimeError) as e:  # garbage makes fastText raise any of these
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise TransformError(f"{what}: {path} is not a fastText model ({reason})") from None
