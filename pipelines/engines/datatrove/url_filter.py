"""datatrove's URL filter, offline."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters import URLFilter


class OfflineURLFilter(URLFilter):
    """datatrove's URL filter on its shipped block lists and tldextract's bundled suffix list."""

    def __init__(self, **params):
        super().__init__(**params)
        from tldextract import TLDExtract

        # By default tldextract fetches the public suffix list on first use.
        self.tldextractor = TLDExtract(suffix_list_urls=(), cache_dir=None)

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        # datatrove asserts on a document without a URL; there is nothing to judge: keep it.
        return super().filter(document) if document.metadata.get("url") else True
