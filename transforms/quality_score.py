"""Scoring texts with a fastText quality classifier (DCLM style): the probability that each is high
quality."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from transforms.errors import TransformError
from transforms.fasttext_model import load_fasttext

HQ, LQ = "__label__hq", "__label__lq"


def normalize(text: str) -> str:
    """The one text normalisation of both training and scoring: one line, single spaces, case kept."""
    # DCLM scores `" ".join(content.strip().splitlines())` (mlfoundations/dclm, baselines/mappers/
    # enrichers/quality_prediction_enrichers_calc_fasttext.py) and does not lower-case. fastText reads one
    # example per line and splits words on ASCII whitespace, so joining on str.split() gives it the same
    # words; it also splits on Unicode spaces (the NBSPs of web text), which fastText would keep in a word.
    return " ".join(text.split())


# Whitespace that str.split() breaks words on and fastText does not (fastText splits on ASCII space, \t, \n,
# \v, \f, \r and \0 only; \0 is the same either way, as fastText also splits normalize()'s output on it).
_SPLIT_ONLY_ASCII = ("\x1c", "\x1d", "\x1e", "\x1f")


def _fasttext_lines(texts: list[str]) -> list[str]:
    """Lines that fastText reads as exactly the words of normalize(text), at less Python cost per text."""
    # fastText collapses runs of whitespace itself: a line only needs normalize()'s work where fastText
    # would split words otherwise (a newline ends its line; Unicode spaces are word characters to it).
    # One scan of the joined batch clears the common case of ASCII text with no such characters.
    joined = "".join(texts)
    if joined.isascii() and not any(c in joined for c in _SPLIT_ONLY_ASCII):
        return [t.replace("\n", " ") for t in texts] if "\n" in joined else list(texts)
    return [_fasttext_line(t) for t in texts]


def _fasttext_line(text: str) -> str:
    line = text.replace("\n", " ")
    if text.isascii():
        if not any(c in text for c in _SPLIT_ONLY_ASCII):
            return line
    elif line.isprintable():  # no whitespace but the ASCII space (and no control characters)
        return line
    return normalize(text)


def _check_model(model, path: Path) -> None:
    """Refuse a fastText model that is not a hq / lq classifier (a language-ID model, word vectors)."""
    labels = model.get_labels() if model.f.getArgs().model.name == "supervised" else []
    if sorted(labels) != [HQ, LQ]:
        shown = ", ".join(labels[:3]) + (f", ... ({len(labels)} labels)" if len(labels) > 3 else "")
        raise TransformError(f"quality: {path} is a fastText model with labels [{shown}], not a quality "
                             f"classifier with exactly {HQ} and {LQ}")


class FastTextQualityScorer:
    """Probability of the positive label (high quality, by default) for each text."""

    def __init__(self, model_path: str | Path, positive_label: str = HQ):
        if positive_label not in (HQ, LQ):
            raise TransformError(f"quality: positive label {positive_label!r} is neither {HQ} nor {LQ}")
        self.model_path = Path(model_path)
        self.positive_label = positive_label
        self._model = None

    @property
    def model(self):
        # Loaded on first use, so the object pickles cheaply to engine workers.
        if self._model is None:
            model = load_fasttext(self.model_path, "quality")
            _check_model(model, self.model_path)
            self._model = model
        return self._model

    def score(self, texts: list[str]) -> np.ndarray:
        """float32 probability of the positive label for each text, in one batched prediction."""
        if not texts:
            return np.empty(0, dtype=np.float32)
        # k=-1: both labels for every text, most likely first, so the positive one is first or second.
        labels, probs = self.model.predict(_fasttext_lines(texts), k=-1)
        # One copy of all the small arrays' bytes: several times faster than np.concatenate on them.
        both = np.frombuffer(b"".join(probs), dtype=probs[0].dtype).reshape(-1, 2)
        first = np.fromiter((lab[0] == self.positive_label for lab in labels), dtype=bool, count=len(texts))
        return np.where(first, both[:, 0], both[:, 1]).astype(np.float32, copy=False)

    def __getstate__(self):
        return {"model_path": self.model_path, "positive_label": self.positive_label, "_model": None}
