"""Generation backends behind one small interface: offline vLLM, and any OpenAI-compatible server.

    backend = VLLMBackend("path/to/model")                      # one vllm.LLM per process
    prompt = backend.render([{"role": "user", "content": "..."}])  # the model's chat template
    backend.generate([prompt, ...], Sampling(n=2, seed=1), schema) -> [[Completion, Completion], ...]

Both count their `generate` calls (`calls`) and the prompts they were sent (`prompts_sent`).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from transforms.errors import TransformError, TransientTransformError
from transforms.synth.sampling import Completion, Sampling

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


class OpenAIBackend:
    """Any OpenAI-compatible server (`vllm serve`, SGLang, TGI, llama.cpp): bounded concurrency, retries
    with exponential backoff on connection errors, time-outs, 429 and 5xx."""

    kind = "openai"
    RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}

    def __init__(
        self,
        base_url: str,
        model: str,
        max_model_len: int = 2048,
        concurrency: int = 16,
        retries: int = 4,
        timeout: float = 120.0,
        backoff: float = 0.5,
        api_key: str | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.model_id = model
        self.revision = f"served:{self.base_url}"
        self.max_model_len = max_model_len
        self.concurrency, self.retries, self.timeout, self.backoff = concurrency, retries, timeout, backoff
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY", "none")
        self.calls = self.prompts_sent = 0
        self._lock = threading.Lock()

    def render(self, messages: list[dict]) -> str:
        # The server applies the chat template; the messages themselves are the prompt (and its cache key).
        return json.dumps(messages, ensure_ascii=False)

    def prompt_tokens(self, prompt: str) -> int | None:
        return None  # the server says so itself (400), counted as prompt_too_long

    def generate(self, prompts: list[str], sampling: Sampling, schema: dict | None) -> list[list[Completion]]:
        if not prompts:
            return []
        self.calls += 1
        self.prompts_sent += len(prompts)
        import httpx

        with httpx.Client(
            timeout=self.timeout, headers={"Authorization": f"Bearer {self.api_key}"}
        ) as client:
            with ThreadPoolExecutor(self.concurrency) as pool:
                return list(pool.map(lambda p: self._one(client, p, sampling, schema), prompts))

    def _one(self, client, prompt: str, sampling: Sampling, schema: dict | None) -> list[Completion]:
        import httpx

        body = {
            "model": self.model_id,
            "messages": json.loads(prompt),
            "n": sampling.n,
            "seed": sampling.seed,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "max_tokens": sampling.max_tokens,
        }
        if sampling.stop:
            body["stop"] = list(sampling.stop)
        if sampling.frequency_penalty:
            body["frequency_penalty"] = sampling.frequency_penalty
        if schema:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": schema, "strict": True},
            }
        url = f"{self.base_url}/chat/completions"
        for attempt in range(self.retries + 1):
            try:
                response = client.post(url, json=body)
            except (httpx.TransportError, httpx.TimeoutException) as e:
                error = f"{type(e).__name__}: {e}"
            else:
                if response.status_code == 200:
                    return [
                        Completion(c["message"]["content"] or "", c.get("finish_reason") or "stop", 0)
                        for c in response.json()["choices"]
                    ]
                if response.status_code == 400 and "context" in response.text.lower():
                    return [Completion("", "prompt_too_long", 0)] * sampling.n
                if response.status_code not in self.RETRY_STATUS:
                    raise TransformError(
                        f"synth: {url} answered {response.status_code}: "
                        f"{response.text.strip().splitlines()[0][:200] if response.text else ''}"
                    )
                error = f"HTTP {response.status_code}"
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        raise TransientTransformError(f"synth: {url} failed after {self.retries + 1} attempts ({error})")
