"""Generation backends behind one small interface: offline vLLM, and OpenAI-compatible servers
(openai_backend.py, re-exported here).

    backend = VLLMBackend("path/to/model")                      # one vllm.LLM per process
    prompt = backend.render([{"role": "user", "content": "..."}])  # the model's chat template
    backend.generate([prompt, ...], Sampling(n=2, seed=1), schema) -> [[Completion, Completion], ...]

Both count their `generate` calls (`calls`) and the prompts they were sent (`prompts_sent`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from transforms.errors import TransformError
from transforms.synth.openai_backend import OpenAIBackend
from transforms.synth.sampling import Completion, Sampling

__all__ = ["OpenAIBackend", "VLLMBackend", "check_model", "check_schema", "weights_hash"]

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt")


def check_schema(schema: dict | None) -> None:
    """A JSON Schema that validates against the meta-schema, or a one-line error saying what is wrong."""
    if schema is None:
        return
    import jsonschema

    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as e:
        where = "/".join(map(str, e.absolute_path)) or "(top level)"
        raise TransformError(
            f"synth: the output schema is not valid JSON Schema at {where}: {e.message.splitlines()[0]}"
        ) from None


def weights_hash(folder: Path) -> str:
    """sha256 over the model folder's weight and config files: the revision of a local model."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and (path.suffix in WEIGHT_SUFFIXES or path.name == "config.json"):
            h.update(path.relative_to(folder).as_posix().encode())
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
    return "sha256:" + h.hexdigest()[:16]


class VLLMBackend:
    """Offline `vllm.LLM.generate`, prefix caching on; chat templates from the model's tokenizer."""

    kind = "vllm"

    def __init__(
        self,
        model: str,
        max_model_len: int = 2048,
        dtype: str = "bfloat16",
        memory_fraction: float = 0.3,
        **engine_args,
    ):
        path = Path(model)
        check_model(model)
        self.model = str(path.resolve()) if path.is_dir() else model
        self.model_id = path.name if path.is_dir() else model
        self.revision = weights_hash(path) if path.is_dir() else engine_args.get("revision") or "main"
        self.max_model_len = max_model_len
        self._args = {"dtype": dtype, "gpu_memory_utilization": memory_fraction, **engine_args}
        self._llm = None
        self.calls = self.prompts_sent = 0

    @property
    def llm(self):
        if self._llm is None:
            os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB; read only by the CPU build
            from vllm import LLM

            self._llm = LLM(
                self.model,
                max_model_len=self.max_model_len,
                enable_prefix_caching=True,
                enable_chunked_prefill=False,
                structured_outputs_config={"backend": "xgrammar", "disable_any_whitespace": True},
                **self._args,
            )
        return self._llm

    def close(self) -> None:
        """Stop the engine's processes now: a task's process may be killed next (a pool ends its idle
        workers), and the engine's own processes outlive a killed parent, holding their memory."""
        if self._llm is not None:
            self._llm.llm_engine.engine_core.shutdown()
            self._llm = None

    def render(self, messages: list[dict]) -> str:
        return self.llm.get_tokenizer().apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )

    def prompt_tokens(self, prompt: str) -> int:
        return len(self.llm.get_tokenizer().encode(prompt, add_special_tokens=False))

    def sampling_params(self, sampling: Sampling, schema: dict | None):
        from vllm import SamplingParams
        from vllm.sampling_params import StructuredOutputsParams

        structured = StructuredOutputsParams(json=schema) if schema else None
        return SamplingParams(**sampling.as_dict(), structured_outputs=structured)

    def generate(self, prompts: list[str], sampling: Sampling, schema: dict | None) -> list[list[Completion]]:
        if not prompts:
            return []
        self.calls += 1
        self.prompts_sent += len(prompts)
        outputs = self.llm.generate(prompts, self.sampling_params(sampling, schema), use_tqdm=False)
        return [
            [Completion(c.text, c.finish_reason or "stop", len(c.token_ids)) for c in out.outputs]
            for out in outputs
        ]


def check_model(model: str) -> None:
    """A model folder with a config.json, or a Hub id (org/name); else a one-line error."""
    path = Path(model)
    if not path.is_dir() and not _hub_id(model):
        raise TransformError(f"synth: model folder {model} does not exist")
    if path.is_dir() and not (path / "config.json").is_file():
        raise TransformError(f"synth: {model} is not a model folder (no config.json)")


def _hub_id(model: str) -> bool:
    parts = model.split("/")
    return len(parts) == 2 and all(parts) and not model.startswith((".", "/"))
