"""Weak supervisors for generation: small encoder–decoders trained from scratch on weak_train's gold frames."""

from __future__ import annotations

import torch

from ..train.loop import train
from .models.weak import TinySeq2Seq
from .tasks import Example
from .teacher_forcing import mean_nll, nll_step, target_batches
from .tokenizers import build_tokenizer

ARCH_KEYS = ("dim", "layers", "heads", "ff", "dropout", "max_len")
TRAIN_KEYS = ("epochs", "lr", "batch_size", "weight_decay")


def train_weak(spec: dict, train_set: list[Example], held_out: list[Example], train_cfg: dict, seed: int,
               device: torch.device, emit) -> tuple[TinySeq2Seq, float]:
    """A trained weak model and its reliability (mean held-out token log-likelihood, for λ weights).

    spec: a ``weak`` entry of the config; its params may set architecture keys and override training keys.
    """
    params = dict(spec.get("params", {}))
    unknown = sorted(set(params) - set(ARCH_KEYS) - set(TRAIN_KEYS))
    if unknown:
        raise ValueError(f"weak model {spec['name']!r}: unknown params {unknown}; use {list(ARCH_KEYS + TRAIN_KEYS)}")
    tok = build_tokenizer(spec.get("tokenizer", "word"), [e.source for e in train_set] + [e.target for e in train_set])
    torch.manual_seed(seed)
    model = TinySeq2Seq(tok, **{k: params[k] for k in ARCH_KEYS if k in params}).to(device)
    cfg = {**train_cfg, **{k: params[k] for k in TRAIN_KEYS if k in params}}
    memory_sources = [e.source for e in train_set]
    targets = [tok.encode(e.target) + [tok.eos_id] for e in train_set]

    def step(model, batch, progress):  # re-encode every batch: the encoder trains too
        memory = model.encode([memory_sources[i] for i in batch["index"].tolist()])
        return nll_step(memory)(model, {**batch, "index": torch.arange(len(batch["index"]), device=device)}, progress)

    train(model, target_batches(targets, tok.pad_id, int(cfg["batch_size"]), seed), step, epochs=int(cfg["epochs"]),
          lr=float(cfg["lr"]), weight_decay=float(cfg.get("weight_decay", 0)), device=device, emit=emit,
          key=f"weak/{spec['name']}")
    model.eval()
    with torch.no_grad():
        reliability = -mean_nll(model, model.encode([e.source for e in held_out]),
                                [tok.encode(e.target) + [tok.eos_id] for e in held_out])
    return model, reliability
