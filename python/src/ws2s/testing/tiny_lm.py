"""Random-weight Hugging Face LMs built from a config, saved with a word-level tokenizer (no network). Test-only.

For tests and the GPU check: ``save_tiny_lm(path, family)`` writes a model directory that
``ws2s.generation.models.hf.load_lm`` (and every Auto class) loads by path. The tokenizer is a
``tokenizers`` WordLevel model over whitespace-split words (the built-in task's canonical words by
default) with ``<pad> <s> </s> <unk>`` first.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ws2s.generation.frames import canon
from ws2s.generation.tasks.builtin import TEMPLATES, VALUES
from ws2s.generation.tokenizers import SPECIALS

PAD, BOS, EOS, UNK = range(4)


def task_words() -> list[str]:
    """Every canonical word of the built-in "assistant" task's sources and frames, sorted."""
    texts = [t.replace("{", " ").replace("}", " ") for t in TEMPLATES]
    texts += [v for values in VALUES.values() for v in values] + [f"{slot} : ;" for slot in VALUES]
    return sorted({w for t in texts for w in canon(t).split()})


def save_word_tokenizer(path: Path, words: list[str]):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate([*SPECIALS, *[w for w in words if w not in SPECIALS]])}
    core = Tokenizer(models.WordLevel(vocab, unk_token=SPECIALS[UNK]))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token=SPECIALS[PAD], bos_token=SPECIALS[BOS],
                                  eos_token=SPECIALS[EOS], unk_token=SPECIALS[UNK])
    tok.save_pretrained(path)
    return tok


def _llama(vocab: int, hidden: int, layers: int, heads: int):
    from transformers import LlamaConfig, LlamaForCausalLM

    return LlamaForCausalLM(LlamaConfig(vocab_size=vocab, hidden_size=hidden, intermediate_size=2 * hidden,
                                        num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=heads,
                                        max_position_embeddings=512, bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD))


def _gpt2(vocab: int, hidden: int, layers: int, heads: int):
    from transformers import GPT2Config, GPT2LMHeadModel

    return GPT2LMHeadModel(GPT2Config(vocab_size=vocab, n_embd=hidden, n_layer=layers, n_head=heads, n_positions=512,
                                      bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD))


def _t5(vocab: int, hidden: int, layers: int, heads: int):
    from transformers import T5Config, T5ForConditionalGeneration

    return T5ForConditionalGeneration(T5Config(vocab_size=vocab, d_model=hidden, d_kv=hidden // heads, d_ff=2 * hidden,
                                               num_layers=layers, num_decoder_layers=layers, num_heads=heads,
                                               pad_token_id=PAD, eos_token_id=EOS, decoder_start_token_id=PAD))


def _bart(vocab: int, hidden: int, layers: int, heads: int):
    from transformers import BartConfig, BartForConditionalGeneration

    return BartForConditionalGeneration(BartConfig(vocab_size=vocab, d_model=hidden, encoder_layers=layers, decoder_layers=layers,
                                                   encoder_attention_heads=heads, decoder_attention_heads=heads,
                                                   encoder_ffn_dim=2 * hidden, decoder_ffn_dim=2 * hidden, max_position_embeddings=512,
                                                   pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS, decoder_start_token_id=EOS,
                                                   forced_eos_token_id=None))


FAMILIES = {"llama": ("causal_lm", _llama), "gpt2": ("causal_lm", _gpt2), "t5": ("seq2seq", _t5), "bart": ("seq2seq", _bart)}


def save_tiny_lm(path: str | Path, family: str = "llama", hidden: int = 32, layers: int = 1, heads: int = 2,
                 seed: int = 0, words: list[str] | None = None) -> str:
    """Writes a random ``family`` LM (llama, gpt2: causal; t5, bart: seq2seq) and its tokenizer; returns the path."""
    path = Path(path)
    tok = save_word_tokenizer(path, words if words is not None else task_words())
    torch.manual_seed(seed)
    FAMILIES[family][1](len(tok), hidden, layers, heads).save_pretrained(path)
    return str(path)
