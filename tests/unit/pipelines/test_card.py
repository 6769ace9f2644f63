"""The dataset card's Hub header: size categories and one config per record type, as `datasets` reads
them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from pipelines.card import card_header, size_category


def test_card_header_of_a_manifest_with_configs():
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    sizes = json.loads((Path(__import__("datasets").__file__).parent / "utils/resources/size_categories.json")
                       .read_text())
    assert [size_category(n) for n in (0, 999, 1000, 99_999, 100_000, 10**12)] == [
        "n<1K", "n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "n>1T"]
    assert {size_category(10**k) for k in range(14)} <= set(sizes)
    manifest = {"dataset": "mix", "version": "v3", "rows": 900, "splits": {"train": 900},
                "recipe": {"license": "other", "description": "",
                           "stages": [{"type": "langid", "languages": ["de"]}]},
                "configs": {"qa": {"record_type": "qa", "rows": 200, "path": "data/qa/train-*.parquet"},
                            "instruction": {"record_type": "instruction", "rows": 5,
                                            "path": "data/instruction/train-*.parquet"}}}
    header = card_header(manifest)
    assert header["size_categories"] == ["1K<n<10K"]  # 900 + 200 + 5 rows
    assert header["task_categories"] == ["text-generation", "question-answering"]
    card = DatasetCard("---\n" + yaml.safe_dump(header) + "---\n")
    configs = MetadataConfigs.from_dataset_card_data(card.data)
    assert configs == {name: {"data_files": [{"split": "train", "path": path}]} for name, path in [
        ("default", "data/train-*.parquet"), ("qa", "data/qa/train-*.parquet"),
        ("instruction", "data/instruction/train-*.parquet")]}
