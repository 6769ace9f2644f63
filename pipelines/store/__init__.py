"""The versioned store: <root>/<dataset>/<version>/{data/, manifest.json, README.md}."""

from pipelines.store.versions import DatasetStore

__all__ = ["DatasetStore"]
