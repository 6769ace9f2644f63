"""Language ID on a local fastText model as a datatrove filter."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from transforms.langid import FastTextLanguageID


class LanguageIDFilter(BaseFilter):
    """Keeps documents whose most likely language is one of `languages` with enough probability."""

    name = "🌍 Language ID (local fastText)"

    # datatrove's LanguageFilter downloads lid.176.bin; this one takes a local model file and says
    # why it dropped a document.
    def __init__(self, languages: list[str], min_score: float, model_path: str | None = None,
                 batch_size: int = 256):
        super().__init__(batch_size=batch_size)
        self.languages = set(languages)
        self.min_score = min_score
        self.lid = FastTextLanguageID(model_path)

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        results = []
        for doc, (lang, score) in zip(batch, self.lid.predict([d.text for d in batch]), strict=True):
            doc.metadata["language"] = lang
            doc.metadata["language_score"] = round(score, 4)
            if lang not in self.languages:
                results.append((False, "other_language"))
            elif score < self.min_score:
                results.append((False, "low_language_score"))
            else:
                results.append(True)
        return results

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]
