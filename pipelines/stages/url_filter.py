"""url_filter: datatrove's URLFilter (block lists of domains, words and URLs), offline."""

from __future__ import annotations

from datatrove.pipeline.filters import URLFilter

from pipelines.engines.datatrove.url_filter import OfflineURLFilter
from pipelines.stages.filters import filter_stage

UrlFilterStage = filter_stage("url_filter", URLFilter, __name__, step=OfflineURLFilter,
                     doc="Drops pages on datatrove's shipped block lists of domains, URLs and words.")
