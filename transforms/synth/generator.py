"""A task over chunks of records with one backend and the completion cache, on no engine: a chunk's prompts
rendered, those not cached generated in one call, each sample parsed, checked and selected. Beam's DoFn and
the executor's task step both run it, so both make the same rows."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Iterator

from transforms.synth.cache import GenerationCache
from transforms.synth.parsed import Parsed
from transforms.synth.sampling import Sampling, completion_key
from transforms.synth.select import NOT_PARSED

ROWS, REJECTED, NEGATIVES, COMPARISONS = "rows", "rejected", "negatives", "comparisons"
Output = tuple[str, dict]  # (the output it goes to, the record)


class Generator:
    """`chunk(records)` yields each kept row, each other sample with its reason and chosen/rejected pairs; the
    counters (records, generated and cached prompts, tokens, rows, rejected_<reason>) add up in `counts`."""

    def __init__(self, backend, task, sampling: Sampling, cache: GenerationCache, prefix: str = ""):
        self.backend, self.task, self.sampling, self.cache = backend, task, sampling, cache
        self.prefix = prefix  # of the counters: a second generation step (a judge's) counts apart
        self.counts: Counter = Counter()

    def count(self, name: str, value: int = 1) -> None:
        self.counts[self.prefix + name] += value

    def chunk(self, chunk: list[dict]) -> Iterator[Output]:
        backend, sampling, schema = self.backend, self.sampling, self.task.schema
        prompts, fits, lengths = [], [], []
        for record in chunk:
            prompt = backend.render(self.task.messages(record))
            tokens = backend.prompt_tokens(prompt)
            prompts.append(prompt)
            lengths.append(tokens or 0)
            fits.append(tokens is None or tokens + sampling.max_tokens <= backend.max_model_len)
        keys = [[completion_key(backend.model_id, backend.revision, sampling, schema, p, i)
                 for i in range(sampling.n)] for p in prompts]
        cached = self.cache.get([k for ks, fit in zip(keys, fits, strict=True) if fit for k in ks])
        # Prompts to generate: those that fit and are not wholly cached, each distinct prompt once.
        missing, seen, hits = [], set(), 0
        for i, (ks, fit) in enumerate(zip(keys, fits, strict=True)):
            if not fit:
                continue
            if all(k in cached for k in ks):
                hits += 1
            elif ks[0] not in seen:
                seen.add(ks[0])
                missing.append(i)
        self.count("records", len(chunk))
        self.count("cached_prompts", hits)
        if missing:
            generated = backend.generate([prompts[i] for i in missing], sampling, schema)
            fresh = [(keys[i][s], completion) for i, samples in zip(missing, generated, strict=True)
                     for s, completion in enumerate(samples)]
            self.cache.put(fresh)  # persisted before anything is written on
            cached.update(fresh)
            self.count("generated_prompts", len(missing))
            self.count("prompt_tokens", sum(lengths[i] for i in missing))
            self.count("output_tokens", sum(c.tokens for _, c in fresh))
        parsed = [[self._parse(record, cached[key] if fit else None) for key in ks]
                  for record, ks, fit in zip(chunk, keys, fits, strict=True)]
        refine = self.task.definition.refine
        if refine:
            self.count("refine_round_0_passed", sum(s.row is not None for samples in parsed for s in samples))
            for k in range(1, refine.rounds + 1):
                self._refine(chunk, parsed, k)
        for record, samples in zip(chunk, parsed, strict=True):
            outcome, pairs = self.task.selection.choose(samples)
            for sample, row, reason in outcome:  # every sample counted: the funnel's unit is the sample
                if row is None:
                    yield self.reject(record, reason, sample, samples[sample])
                else:
                    self.count("rows")
                    yield ROWS, row | self._trajectory(samples[sample]) | self.provenance(record, sample)
            for chosen, rejected in pairs:
                self.count("negatives")
                yield NEGATIVES, self._pair(record, samples, chosen, rejected)
            if refine and self.task.selection.negatives:  # a kept sample against its own failed attempts
                for sample, row, _ in outcome:
                    for k, attempt in enumerate(samples[sample].attempts if row is not None else []):
                        self.count("negatives")
                        yield NEGATIVES, self._attempt_pair(record, samples[sample], sample, k, attempt)

    def _refine(self, chunk: list[dict], parsed: list[list[Parsed]], round_: int) -> None:
        """One round of generate, verify, refine: every sample that parsed but failed a check goes back to the
        model with its failure (the conversation so far), once, and is parsed and checked again."""
        backend, schema = self.backend, self.task.schema
        once = dataclasses.replace(self.sampling, n=1)
        todo = []  # (record index, sample index, prompt, key)
        for i, (record, samples) in enumerate(zip(chunk, parsed, strict=True)):
            for s, sample in enumerate(samples):
                if sample.row is not None or sample.value is None or sample.reason in NOT_PARSED:
                    continue
                attempts = [(a["output"], a["reason"], a["detail"]) for a in sample.attempts]
                messages = self.task.refine_messages(record, [*attempts, (sample.text, sample.reason,
                                                                          sample.detail)])
                prompt = backend.render(messages)
                tokens = backend.prompt_tokens(prompt)
                if tokens is not None and tokens + once.max_tokens > backend.max_model_len:
                    continue  # the conversation no longer fits: the sample stays as it failed
                todo.append((i, s, prompt, completion_key(backend.model_id, backend.revision, once, schema,
                                                          prompt, 0)))
        if not todo:
            return
        self.count(f"refine_round_{round_}_tried", len(todo))
        cached = self.cache.get([key for *_, key in todo])
        missing = list(dict.fromkeys(prompt for _, _, prompt, key in todo if key not in cached))
        if missing:
            by_prompt = dict(zip(missing, backend.generate(missing, once, schema), strict=True))
            fresh = [(key, by_prompt[prompt][0]) for _, _, prompt, key in todo if prompt in by_prompt]
            self.cache.put(fresh)
            cached.update(fresh)
            self.count("output_tokens", sum(c.tokens for _, c in fresh))
        for i, s, _, key in todo:
            before = parsed[i][s]
            again = self._parse(chunk[i], cached[key])
            again.attempts = [*before.attempts, {"round": round_ - 1, "output": before.text,
                                                 "reason": before.reason, "detail": before.detail}]
            parsed[i][s] = again
            self.count(f"refine_round_{round_}_passed", int(again.row is not None))

    def _trajectory(self, sample: Parsed) -> dict:
        """A refined task's row: how many attempts it took and the failed ones before it (JSON)."""
        if not self.task.definition.refine:
            return {}
        return {"attempts": len(sample.attempts) + 1,
                "trajectory": json.dumps(sample.attempts, ensure_ascii=False, sort_keys=True)}

    def _attempt_pair(self, record: dict, sample: Parsed, index: int, k: int, attempt: dict) -> dict:
        """A refined sample's passing answer against one of its own failed attempts; its `sample` is n x (the
        attempt's round + 1) + the sample's index, apart from the n samples' own pairs."""
        field = self.task.selection.response
        try:
            rejected = str(json.loads(attempt["output"], strict=False).get(field, ""))
        except (ValueError, AttributeError):
            rejected = attempt["output"] or ""
        return {"prompt": self.task.messages(record)[-1]["content"], "chosen": str(sample.value[field]),
                "rejected": rejected, "chosen_sample": index, "rejected_reason": attempt["reason"],
                **self.provenance(record, self.sampling.n * (k + 1) + index)}

    def _parse(self, record: dict, completion) -> Parsed:
        if completion is None or completion.finish_reason == "prompt_too_long":
            return Parsed(None, "prompt_too_long")
        if completion.finish_reason == "length":
            return Parsed(None, "truncated", text=completion.text)
        parsed = self.task.parse(record, completion.text)
        parsed.text = completion.text
        return parsed

    def _pair(self, record: dict, samples: list[Parsed], chosen: int, rejected: int) -> dict:
        field = self.task.selection.response
        return {"prompt": self.task.messages(record)[-1]["content"],
                "chosen": str(samples[chosen].value[field]), "rejected": str(samples[rejected].value[field]),
                "chosen_sample": chosen, "rejected_reason": samples[rejected].reason,
                **self.provenance(record, rejected)}

    def provenance(self, record: dict, sample: int) -> dict:
        return {"source_id": str(record["id"]), "sample": sample, "task": self.task.name,
                "model": self.backend.model_id, "model_revision": self.backend.revision,
                "sampling": json.dumps(self.sampling.as_dict(), sort_keys=True),
                "template_sha256": self.task.template_sha256, "seed": self.sampling.seed}

    def reject(self, record: dict, reason: str, sample: int | None = None,
               parsed: Parsed | None = None) -> Output:
        """A sample that is no row, with what the model wrote and what each check that ran said of it."""
        self.count(f"rejected_{reason}")
        seen = {"output": parsed.text, "checks": [{"check": c, "passed": ok, "detail": d}
                                                   for c, ok, d in parsed.verdicts],
                **self._trajectory(parsed)} if parsed is not None else {}
        return REJECTED, {"source_id": str(record["id"]), "sample": sample, "reason": reason, **seen}


def outputs_of(name: str, outputs: Iterable[Output]) -> list[dict]:
    return [record for kind, record in outputs if kind == name]
