"""A small quality classifier the tests train on texts they write: article prose vs spam."""

from __future__ import annotations

import json
import random
from pathlib import Path

from support.pages import load_pages
from transforms.quality_train import train_quality_model

PAGES = load_pages("sample")

SPAM = ["best", "cheap", "deals", "click", "here", "buy", "now", "free", "bonus", "win", "offer",
        "limited", "sale", "discount", "top", "prices", "order", "today", "casino", "spins"]
# Tiny on purpose: DCLM's 2M hash buckets make a model of hundreds of MB.
SMALL = {"dim": 16, "bucket": 20_000, "epoch": 20, "lr": 0.1}


def write_examples(folder: Path, seed: int = 0) -> tuple[Path, Path]:
    rng = random.Random(seed)
    paragraphs = [p for page in PAGES if page["kind"] in ("article", "boilerplate")
                  for p in page["main_text"].split("\n") if len(p.split()) > 20]
    positives, negatives = folder / "positives.jsonl", folder / "negatives.jsonl"
    folder.mkdir(parents=True, exist_ok=True)
    with open(positives, "w") as pos, open(negatives, "w") as neg:
        for i in range(400):
            sentences = [s for p in rng.sample(paragraphs, 2) for s in p.split(". ")]
            pos.write(json.dumps({"text": ". ".join(rng.sample(sentences, 4))}) + "\n")
            neg.write(json.dumps({"text": " ".join(rng.choice(SPAM) for _ in range(40 + i % 30))}) + "\n")
    return positives, negatives


def train_small_model(folder: Path, seed: int = 0) -> Path:
    positives, negatives = write_examples(folder, seed)
    model = folder / "quality.bin"
    train_quality_model(positives, negatives, model, hyperparams=SMALL)
    return model
