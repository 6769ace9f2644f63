"""Arithmetic word problems with their answers correct by construction: templates filled with seeded
numbers, one or two operations each (GSM8K's shape: a question and "#### <answer>")."""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Iterator

NAMES = ("Ada", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Iris", "Jonas", "Keiko", "Liam")
ITEMS = ("apples", "pencils", "stickers", "marbles", "books", "cookies", "stamps", "shells")

# (template, answer from its numbers, how its numbers are drawn): every draw keeps the answer a whole,
# non-negative number, so the reference is exact.
Template = tuple[str, Callable[..., int], Callable[[random.Random], dict]]
TEMPLATES: list[Template] = [
    ("{name} has {a} {item} and buys {b} more. How many {item} does {name} have now?",
     lambda a, b, **_: a + b, lambda r: {"a": r.randint(2, 60), "b": r.randint(2, 60)}),
    ("{name} had {a} {item} and gave {b} of them away. How many {item} are left?",
     lambda a, b, **_: a - b, lambda r: (lambda b: {"a": b + r.randint(1, 50), "b": b})(r.randint(2, 40))),
    ("A box holds {a} {item}. How many {item} are in {b} boxes?",
     lambda a, b, **_: a * b, lambda r: {"a": r.randint(2, 12), "b": r.randint(2, 12)}),
    ("{name} shares {total} {item} equally among {b} friends. How many {item} does each friend get?",
     lambda total, b, **_: total // b, lambda r: (lambda a, b: {"total": a * b, "b": b})(r.randint(2, 15),
                                                                                          r.randint(2, 9))),
    ("{name} buys {a} packs of {b} {item} and then uses {c} of them. How many {item} are left?",
     lambda a, b, c, **_: a * b - c,
     lambda r: (lambda a, b: {"a": a, "b": b, "c": r.randint(1, a * b - 1)})(r.randint(2, 8),
                                                                              r.randint(2, 10))),
    ("A train travels {a} km every hour. How many km does it travel in {b} hours, plus a last stretch of "
     "{c} km?", lambda a, b, c, **_: a * b + c,
     lambda r: {"a": r.randint(20, 90), "b": r.randint(2, 6), "c": r.randint(1, 30)}),
]


def problems(count: int, seed: int = 0) -> Iterator[dict]:
    """`count` problems, the same ones for the same seed: {id, question, answer: "#### N", template}."""
    rng = random.Random(seed)
    for i in range(count):
        k = rng.randrange(len(TEMPLATES))
        text, answer, draw = TEMPLATES[k]
        numbers = draw(rng)
        question = text.format(name=rng.choice(NAMES), item=rng.choice(ITEMS), **numbers)
        yield {"id": f"problem-{i:04d}", "question": question, "answer": f"#### {answer(**numbers)}",
               "template": k}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write arithmetic word problems as JSONL to stdout.")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for problem in problems(args.count, args.seed):
        sys.stdout.write(json.dumps(problem) + "\n")


if __name__ == "__main__":
    main()
