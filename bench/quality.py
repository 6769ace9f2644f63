"""Texts per second of FastTextQualityScorer.score / raw fastText model.predict on the same texts.

    python bench/quality.py [--texts 50000] [--repeats 5]

Trains a quality classifier here (DCLM hyperparameters) on generated prose and spam, then scores the
same normalized texts both ways, interleaved, median of the repeats. Ours also pays for what the scorer
adds: its normalisation pass, the label -> probability mapping and the float32 array. A third line, not
in the ratio, scores the texts as extraction leaves them (multi-line), which raw fastText refuses.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SUBJECTS = ["The committee", "A local historian", "The river authority", "Our neighbour", "The new library",
            "A small bakery", "The research team", "The orchestra", "A retired teacher", "The city council"]
VERBS = ["described", "questioned", "restored", "published", "explained", "measured", "celebrated",
         "revisited", "documented", "compared"]
OBJECTS = ["the old stone bridge", "the flooding of the valley", "a forgotten recipe", "the spring concert",
           "the results of the survey", "the history of the harbour", "a map of the northern hills",
           "the cost of the repairs", "the migration of the swallows", "the plans for the park"]
TAILS = ["after a long winter.", "with remarkable patience.", "for the first time in decades.",
         "before the autumn meeting.", "in a careful and readable report.", "to a crowded hall."]
SPAM = ["click here", "buy now", "best price", "free shipping", "limited offer", "cheap", "discount",
        "login", "sign up", "home", "about us", "contact", "cookies", "accept all", "privacy policy",
        "casino", "bonus", "win", "100% free", "subscribe", ">>", "|", "terms"]


def prose(rng: random.Random) -> str:
    sentences = [f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
                 for _ in range(rng.randint(3, 8))]
    return "\n".join(" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2))


def spam(rng: random.Random) -> str:
    return "\n".join(" ".join(rng.choices(SPAM, k=rng.randint(4, 12))) for _ in range(rng.randint(3, 8)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from transforms.quality_score import FastTextQualityScorer, normalize
    from transforms.quality_train import train_quality_model

    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as work:
        for name, make in (("pos", prose), ("neg", spam)):
            with open(Path(work, f"{name}.jsonl"), "w") as f:
                for _ in range(5_000):
                    f.write(json.dumps({"text": make(rng)}) + "\n")
        start = time.perf_counter()
        report = train_quality_model(Path(work, "pos.jsonl"), Path(work, "neg.jsonl"), Path(work, "q.bin"))
        print(f"trained in {time.perf_counter() - start:.1f}s with DCLM hyperparameters; held-out F1 "
              f"{report['metrics']['f1']:.3f}, ROC AUC {report['metrics']['roc_auc']:.3f}")
        extracted = [prose(rng) if i % 2 else spam(rng) for i in range(args.texts)]  # with newlines
        texts = [normalize(t) for t in extracted]
        scorer = FastTextQualityScorer(Path(work, "q.bin"))
        model = scorer.model  # both sides start from a loaded model

        def ours() -> None:
            scorer.score(texts)

        def raw() -> None:
            model.predict(texts, k=-1)

        def ours_extracted() -> None:  # not in the ratio: raw fastText cannot take these texts at all
            scorer.score(extracted)

        times: dict[str, list[float]] = {"ours": [], "raw": [], "extracted": []}
        order = [("ours", ours), ("raw", raw), ("extracted", ours_extracted)]
        for _ in range(args.repeats):
            for name, run in order:
                gc.collect()  # each run starts from the same heap, not the other's garbage
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
            order.reverse()  # neither side always runs first

    rate = {name: args.texts / statistics.median(t) for name, t in times.items()}
    words = sum(len(t.split(" ")) for t in texts) / len(texts)
    print(f"{args.texts:,} texts (~{words:.0f} words each), median of {args.repeats} interleaved runs")
    rows = [("ours  FastTextQualityScorer.score", f"{rate['ours']:>10,.0f} texts/s"),
            ("raw   model.predict(texts, k=-1)", f"{rate['raw']:>10,.0f} texts/s"),
            ("ratio ours/raw", f"{rate['ours'] / rate['raw']:>10.3f}   (goal >= 0.9)"),
            ("ours  on the texts before normalize", f"{rate['extracted']:>10,.0f} texts/s   (multi-line)")]
    for label, value in rows:
        print(f"  {label:<37}{value}")

if __name__ == "__main__":
    main()
