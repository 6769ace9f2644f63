"""Benchmark decontamination: benchmark files read as (item id, text) pairs (`benchmarks`), and three indexes
of them that say which items a document holds: word 13-grams (`ngram`), the share of an item's 5-grams in
place (`overlap`), and sentence embeddings of paragraphs (`semantic`, tiered behind overlap).

Import from the modules: this package's own file imports nothing, so a stage that needs one of them (the
grounded check: `tokens`) has only that one in its code version.
"""
