"""Any Hugging Face causal or seq2seq LM, by hub id or local path, behind the generation interface.

- ``HFCausalLM`` (decoder-only): the sequence is prompt + target, prompt = the source's tokens
  (with the tokenizer's own special tokens) and the target starts with a separator (the tokenizer's
  sep token, else its eos), so the separator plays the target's bos: the logits at the separator
  predict the first frame token. The memory is the prompt, left-padded, with its attention mask.
- ``HFSeq2SeqLM`` (T5/BART style): the memory is the source ids and mask; the decoder reads
  ``decoder_input_ids`` starting with the model's ``decoder_start_token_id``.

Both memories hold token ids, not hidden states: the whole model trains (encoder included), and the
pipeline encodes sources once with the untrained model, so states computed then would go stale.
``lora_rank`` > 0 (config ``strong.mode: "lora"``) freezes the LM and trains LoRA adapters (peft) on
every linear layer but the LM head; ``gradient_checkpointing`` recomputes activations (non-reentrant).
Positions and padding come from the attention mask, never from token ids (pad is often eos).
``forward`` runs under bf16 autocast on CUDA as ``precision`` says (fp32 master weights).

Incremental decoding for beam search (``init_state`` / ``step`` / ``reorder_state``): the LM's own
``past_key_values`` cache, so each step feeds one new token per beam instead of the whole prefix;
``reorder_state`` follows the beams (rows may repeat or drop, so the batch size can change).
"""

from __future__ import annotations

import inspect

import torch
from torch import nn

from ...device import autocast
from ...models.hf import lora, resolve_model
from ..frames import canon
from ..tokenizers import HFTokenizer
from . import Memory


def _load(auto_cls, path: str, trust_remote_code: bool):
    """The model with SDPA attention where the architecture supports it (its default otherwise)."""
    try:
        return auto_cls.from_pretrained(path, trust_remote_code=trust_remote_code, attn_implementation="sdpa")
    except (ValueError, ImportError):
        return auto_cls.from_pretrained(path, trust_remote_code=trust_remote_code)


class _HFLM(nn.Module):
    """Shared loading and source tokenisation; subclasses set ``auto`` and the target's bos."""

    auto = ""

    def __init__(self, model: str, trust_remote_code: bool = False, precision: str = "auto", max_len: int = 64,
                 lora_rank: int = 0, gradient_checkpointing: bool = False):
        super().__init__()
        import transformers

        path = resolve_model(model)
        self.model_name, self.precision, self.max_len = model, precision, max_len
        self.tokenizer = HFTokenizer(path, trust_remote_code)
        self.lm = _load(getattr(transformers, self.auto), path, trust_remote_code)
        self.lm.config.use_cache = False
        self._keeps_logits = "logits_to_keep" in inspect.signature(self.lm.forward).parameters
        if gradient_checkpointing:
            # Non-reentrant: gradients reach LoRA adapters though the frozen embeddings' outputs need none.
            self.lm.activation_checkpointing_enable({"use_reentrant": False})
        if lora_rank:
            with torch.random.fork_rng(devices=[]):  # adapters drawn from a fixed seed, not from whatever
                torch.manual_seed(0)  # loading the LM left in the global generator
                self.lm = lora(self.lm, lora_rank)  # a PeftModel: passes every keyword on to the wrapped LM

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def source_ids(self, source: str) -> list[int]:
        """The source's tokens with the tokenizer's own special tokens, cut to ``max_len``."""
        return self.tokenizer.tok(canon(source), truncation=True, max_length=self.max_len)["input_ids"]

    def padded_sources(self, sources: list[str], left: bool) -> Memory:
        """``{"ids": [B, S], "mask": [B, S]}``: every source's ids, padded on the left or the right."""
        rows = [self.source_ids(s) for s in sources]
        width = max(1, max(len(r) for r in rows))
        ids = torch.full((len(rows), width), self.tokenizer.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            cols = slice(width - len(r), width) if left else slice(0, len(r))
            ids[i, cols], mask[i, cols] = torch.tensor(r, dtype=torch.long), 1
        return {"ids": ids.to(self.device), "mask": mask.to(self.device)}


def _reorder_cache(past, index: torch.Tensor):
    """The cache's rows ``index`` (a transformers ``Cache``, or the legacy tuple of per-layer tensors)."""
    if past is None:
        return None
    if hasattr(past, "reorder_cache"):
        past.reorder_cache(index)
        return past
    return tuple(tuple(t.index_select(0, index) for t in layer) for layer in past)


def _reorder(state: dict, index: torch.Tensor) -> dict:
    """Rows ``index`` of every tensor of a decoding state, and of its cache."""
    index = index.to(state["mask"].device)
    return {k: _reorder_cache(v, index) if k == "past" else (None if v is None else v.index_select(0, index))
            for k, v in state.items()}


class HFCausalLM(_HFLM):
    auto = "AutoModelForCausalLM"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        t = self.tokenizer
        t.bos_id = t.tok.sep_token_id if t.tok.sep_token_id is not None else t.eos_id

    def encode(self, sources: list[str]) -> Memory:
        """Prompts left-padded, so targets line up at the end (any padding gives the same scores)."""
        return self.padded_sources(sources, left=True)

    def forward(self, memory: Memory, tgt_in: torch.Tensor, last_only: bool = False) -> torch.Tensor:
        """tgt_in ``[B, T]`` (separator first) → logits ``[B, T, V]`` (``[B, 1, V]`` with ``last_only``).

        Target tokens are all real (trailing padding only follows them, and attention is causal), so the
        mask is the prompt's plus ones; position ids count the real tokens before each one.
        """
        ids = torch.cat([memory["ids"], tgt_in], 1)
        mask = torch.cat([memory["mask"], torch.ones_like(tgt_in, dtype=memory["mask"].dtype)], 1)
        positions = (mask.cumsum(-1) - 1).clamp_min(0)
        keep = {"logits_to_keep": 1 if last_only else tgt_in.shape[1]} if self._keeps_logits else {}
        with autocast(self.device, self.precision):
            logits = self.lm(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=False, **keep).logits
        return logits[:, -1:] if last_only else logits[:, -tgt_in.shape[1]:]

    def init_state(self, memory: Memory) -> dict:
        """Nothing computed yet: the first ``step`` runs the prompt and the separator together."""
        return {"ids": memory["ids"], "mask": memory["mask"], "pos": None, "past": None}

    def step(self, state: dict, tokens: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """tokens ``[B]`` (the last target token per row) → next-token logits ``[B, V]`` and the new state."""
        mask = torch.cat([state["mask"], torch.ones_like(state["mask"][:, :1])], 1)
        if state["past"] is None:
            ids = torch.cat([state["ids"], tokens[:, None]], 1)
            positions = (mask.cumsum(-1) - 1).clamp_min(0)
        else:
            ids, positions = tokens[:, None], state["pos"][:, None]
        keep = {"logits_to_keep": 1} if self._keeps_logits else {}
        with autocast(self.device, self.precision):
            out = self.lm(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=state["past"],
                          use_cache=True, **keep)
        return out.logits[:, -1], {"ids": None, "mask": mask, "pos": positions[:, -1] + 1, "past": out.past_key_values}

    def reorder_state(self, state: dict, index: torch.Tensor) -> dict:
        return _reorder(state, index)


class HFSeq2SeqLM(_HFLM):
    auto = "AutoModelForSeq2SeqLM"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start = self.lm.config.decoder_start_token_id
        if start is None and getattr(self.lm, "generation_config", None) is not None:
            start = self.lm.generation_config.decoder_start_token_id
        if start is not None:
            self.tokenizer.bos_id = int(start)

    def encode(self, sources: list[str]) -> Memory:
        return self.padded_sources(sources, left=False)

    def forward(self, memory: Memory, tgt_in: torch.Tensor, last_only: bool = False) -> torch.Tensor:
        """tgt_in ``[B, T]`` (decoder start first) → logits ``[B, T, V]`` (``[B, 1, V]`` with ``last_only``)."""
        with autocast(self.device, self.precision):
            logits = self.lm(input_ids=memory["ids"], attention_mask=memory["mask"], decoder_input_ids=tgt_in,
                             use_cache=False).logits
        return logits[:, -1:] if last_only else logits

    def init_state(self, memory: Memory) -> dict:
        """The encoder's states, computed once for the whole search."""
        with autocast(self.device, self.precision):
            enc = self.lm.get_encoder()(input_ids=memory["ids"], attention_mask=memory["mask"]).last_hidden_state
        return {"enc": enc, "mask": memory["mask"], "past": None}

    def step(self, state: dict, tokens: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """tokens ``[B]`` (the last decoder token per row) → next-token logits ``[B, V]`` and the new state."""
        from transformers.modeling_outputs import BaseModelOutput

        with autocast(self.device, self.precision):
            out = self.lm(encoder_outputs=BaseModelOutput(last_hidden_state=state["enc"]), attention_mask=state["mask"],
                          decoder_input_ids=tokens[:, None], past_key_values=state["past"], use_cache=True)
        return out.logits[:, -1], {**state, "past": out.past_key_values}

    def reorder_state(self, state: dict, index: torch.Tensor) -> dict:
        return _reorder(state, index)


HF_ARCHS = {"causal_lm": HFCausalLM, "seq2seq": HFSeq2SeqLM}


def load_lm(model: str, arch: str, trust_remote_code: bool = False, precision: str = "auto", max_len: int = 64) -> _HFLM:
    """An HF LM adapter by architecture name ("causal_lm" | "seq2seq"), hub id or local path."""
    if arch not in HF_ARCHS:
        raise ValueError(f"arch {arch!r} is not a Hugging Face LM kind; use one of {sorted(HF_ARCHS)}")
    return HF_ARCHS[arch](model, trust_remote_code, precision, max_len)
