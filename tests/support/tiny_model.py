"""A tiny random-weight Llama with a locally trained BPE tokenizer and a chat template, built offline.

    path = build_tiny_model(folder)      # ~1.5 MB; vLLM (CPU or GPU) and transformers load it

Random weights write nonsense, but with structured outputs it is schema-valid nonsense, so everything
after generation (parse, check, filter, write) runs for real, fast. For tests and benchmarks only
(bench adds tests/ to sys.path).
"""

from __future__ import annotations

import json
from pathlib import Path

# ChatML, as SmolLM2 and many instruct models use.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def _corpus() -> list[str]:
    from support.pages import load_pages

    texts = [p["main_text"] for p in load_pages("sample")]
    # The characters JSON needs, so a schema-constrained decoder always has tokens for them.
    texts.append('{"question": "a", "answer": "b", "score": 7, "rationale": "x"} [ ] , : 0123456789 .')
    return texts


def build_tiny_model(folder: Path, vocab_size: int = 2000, seed: int = 0) -> Path:
    """Write the model folder (config, safetensors weights, tokenizer) unless it is already there."""
    if (folder / "config.json").is_file():
        return folder
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(_corpus(), trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(folder)
    torch.manual_seed(seed)
    # Head size 64: vLLM's CPU attention refuses 16.
    config = LlamaConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        tie_word_embeddings=True,
    )
    LlamaForCausalLM(config).to(torch.bfloat16).save_pretrained(folder)
    (folder / "generation_config.json").write_text(json.dumps({"eos_token_id": fast.eos_token_id}))
    return folder
