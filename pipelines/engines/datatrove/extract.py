"""Our extraction backends as a datatrove extractor step."""

from __future__ import annotations

import contextlib
import signal
import threading

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.extractors.base import BaseExtractor
from datatrove.utils.typeshelper import StatHints

from transforms.extract import Extractor, PageTooDeep


class PageTimeout(BaseException):  # noqa: N818 (not an Exception: the extractors' broad excepts pass it on)
    """A page took longer than the step's timeout."""


class BackendExtractor(BaseExtractor):
    """Our extraction backends (resiliparse, hybrid, learned), each page bounded by the step's time-out."""

    name = "⛏ Extract"

    def __init__(self, backend: str, timeout: float, **options):
        super().__init__(timeout)
        self.name = f"⛏ {backend}"
        self.extractor = Extractor(backend, **options)

    def extract(self, text: str) -> str:
        return self.extractor.extract(text)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        # datatrove's sandbox copies every page to another process and back, which cost a third of the
        # resiliparse backend's time; in a task's main thread an alarm bounds each page instead (our
        # backends are C parsing between Python steps: the alarm lands when a C call returns).
        if threading.current_thread() is not threading.main_thread():
            yield from super().run(data, rank, world_size)
            return
        with _alarm_raises():
            for doc in data:
                self.stat_update(StatHints.total)
                with self.track_time():
                    try:
                        signal.setitimer(signal.ITIMER_REAL, self.timeout)
                        try:
                            doc.text = self.extract(doc.text)
                        finally:
                            signal.setitimer(signal.ITIMER_REAL, 0)
                        self.stat_update("extracted")
                    except PageTimeout:
                        self.stat_update("timeout")
                        continue
                    except PageTooDeep:
                        self.stat_update("too_deep")
                        continue
                    except Exception:  # noqa: BLE001 (one page's failure, counted like datatrove's)
                        self.stat_update("clean_error")
                        continue
                if doc.text:
                    self.stat_update(StatHints.forwarded)
                    self.update_doc_stats(doc)
                    yield doc
                else:
                    self.stat_update(StatHints.dropped)


@contextlib.contextmanager
def _alarm_raises():
    def on_alarm(signum, frame):
        raise PageTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
