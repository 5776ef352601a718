"""Weak supervisors for generation, fine-tuned on weak_train's gold frames: small encoder–decoders trained
from scratch with a word or character tokenizer (arch "transformer"), Hugging Face LMs with their own
tokenizers (arch "causal_lm" / "seq2seq", ``model`` a hub id or path), or a pretrained encoder cut to its
first ``encoder_layers`` layers under a small copy decoder (arch "copy", ``model`` the packaged MiniLM by
default): pretrained, yet clearly weaker than the strong copy student over the whole encoder."""

from __future__ import annotations

import torch

from ..cache import digest
from ..models.hf import model_fingerprint
from ..train.loop import train
from .models.hf import HF_ARCHS
from .models.student import PACKAGED, CopyStudent
from .models.weak import TinySeq2Seq
from .tasks import Example
from .scoring import word_scores
from .teacher_forcing import nll_step, target_batches
from .tokenizers import build_tokenizer

ARCH_KEYS = ("dim", "layers", "heads", "ff", "dropout", "max_len")
HF_ARCH_KEYS = ("max_len",)  # source tokens kept; the rest of an HF model's architecture is its own config
# the copy decoder's own sizes (``layers``: decoder layers), how many encoder layers it keeps and how many
# of those (the top ones) it fine-tunes
COPY_ARCH_KEYS = ("encoder_layers", "finetune_layers", "layers", "heads", "ff", "dropout", "max_len")
#: Weak archs built on a pretrained model (``weak[i].model``; required except for "copy", which defaults to MiniLM).
PRETRAINED_ARCHS = (*HF_ARCHS, "copy")
TRAIN_KEYS = ("epochs", "lr", "batch_size", "weight_decay")


def allowed_params(spec: dict) -> tuple[str, ...]:
    arch = spec.get("arch")
    return (HF_ARCH_KEYS if arch in HF_ARCHS else COPY_ARCH_KEYS if arch == "copy" else ARCH_KEYS) + TRAIN_KEYS


def _transformer(spec: dict, params: dict, train_set: list[Example], precision: str) -> TinySeq2Seq:
    tok = build_tokenizer(spec.get("tokenizer", "word"), [e.source for e in train_set] + [e.target for e in train_set])
    return TinySeq2Seq(tok, **{k: params[k] for k in ARCH_KEYS if k in params})


def _hf(spec: dict, params: dict, train_set: list[Example], precision: str):
    return HF_ARCHS[spec["arch"]](spec["model"], bool(spec.get("trust_remote_code", False)), precision, int(params.get("max_len", 64)))


def _copy(spec: dict, params: dict, train_set: list[Example], precision: str) -> CopyStudent:
    return CopyStudent(spec.get("model") or PACKAGED, **{k: params[k] for k in COPY_ARCH_KEYS if k in params})


#: ``weak[i].arch`` → builder ``(spec, params, weak_train examples, precision) -> untrained model``.
WEAK_ARCHS = {"transformer": _transformer, "copy": _copy, **{arch: _hf for arch in HF_ARCHS}}


def build_weak(spec: dict, params: dict, train_set: list[Example], precision: str):
    """An untrained weak model: an HF LM loaded from ``spec["model"]``, or a ``TinySeq2Seq`` with its own tokenizer."""
    return WEAK_ARCHS[spec.get("arch", "transformer")](spec, params, train_set, precision)


def train_weak(spec: dict, train_set: list[Example], held_out: list[Example], train_cfg: dict, seed: int,
               device: torch.device, emit, precision: str = "auto") -> tuple[torch.nn.Module, float]:
    """A trained weak model and its reliability (mean held-out log-likelihood per word, ``scoring.word_scores``:
    comparable across members with different tokenizers; for λ weights).

    spec: a ``weak`` entry of the config; its params may set architecture keys and override training keys.
    """
    params = dict(spec.get("params", {}))
    unknown = sorted(set(params) - set(allowed_params(spec)))
    if unknown:
        raise ValueError(f"weak model {spec['name']!r}: unknown params {unknown}; use {list(allowed_params(spec))}")
    torch.manual_seed(seed)  # before building: a from-scratch model's initial weights come from the seed
    model = build_weak(spec, params, train_set, precision)
    if hasattr(model, "reinit"):  # the copy decoder draws its weights from a seed of its own: this member's
        model.reinit(seed)
    model = model.to(device)
    tok = model.tokenizer
    cfg = {**train_cfg, **{k: params[k] for k in TRAIN_KEYS if k in params}}
    memory_sources = [e.source for e in train_set]
    targets = [tok.encode(e.target) + [tok.eos_id] for e in train_set]

    def step(model, batch, progress):  # re-encode every batch: the encoder trains too
        memory = model.encode([memory_sources[i] for i in batch["index"].tolist()])
        return nll_step(memory)(model, {**batch, "index": torch.arange(len(batch["index"]), device=device)}, progress)

    train(model, target_batches(targets, tok.pad_id, int(cfg["batch_size"]), seed), step, epochs=int(cfg["epochs"]),
          lr=float(cfg["lr"]), weight_decay=float(cfg.get("weight_decay", 0)), device=device, precision=precision,
          emit=emit, key=f"weak/{spec['name']}")
    model.eval()
    with torch.no_grad():
        reliability = float(word_scores(model, model.encode([e.source for e in held_out]), list(range(len(held_out))),
                                        [e.target for e in held_out]).mean())
    return model, reliability


def cached_weak(ctx, spec: dict, train_set: list[Example], held_out: list[Example], train_cfg: dict, seed: int) -> tuple[torch.nn.Module, float, str]:
    """``train_weak``'s model and reliability through the run's cache (keyed by a hash of everything that
    determines them), and the key. A hit rebuilds the model from ``seed`` and loads the cached weights."""
    key = digest("gen-weak-model-v2", spec, train_cfg, [(e.source, e.target) for e in train_set],
                 [(e.source, e.target) for e in held_out], seed, ctx.precision,
                 model_fingerprint(spec["model"]) if spec.get("model") else None)
    trained = {}

    def compute():
        trained["model"], reliability = train_weak(spec, train_set, held_out, train_cfg, seed, ctx.device, ctx.emit, ctx.precision)
        return {"state": {k: v.detach().cpu() for k, v in trained["model"].state_dict().items()}, "reliability": reliability}

    entry = ctx.cache.get_or_compute("weak_models", key, compute)
    if "model" in trained:
        return trained["model"], entry["reliability"], key
    torch.manual_seed(seed)
    model = build_weak(spec, dict(spec.get("params", {})), train_set, ctx.precision)
    model.load_state_dict(entry["state"])
    return model.to(ctx.device).eval(), entry["reliability"], key
