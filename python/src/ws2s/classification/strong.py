"""The strong model: a fresh copy per ceiling/student run, and its inputs for the run's splits.

linear_probe: a linear head on frozen pooled features, computed once per data set and cached on
disk by a hash of (model, pooling, max_length, texts). lora / full: the HF classifier fine-tuned,
each run starting from the same pretrained weights.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ws2s.cache import digest
from ws2s.recipe import RunContext
from ws2s.classification.data import Encoded
from ws2s.models.hf import add_lora, load_hf_classifier, load_tokenizer, model_fingerprint
from ws2s.train.loop import predict


class LinearHead(nn.Module):
    """``forward(x [batch, dim]) -> logits [batch, classes]``."""

    def __init__(self, dim: int, num_classes: int):
        super().__init__()
        self.linear = nn.Linear(dim, num_classes)

    def forward(self, x):
        return self.linear(x)


class StrongModel:
    def __init__(self, cfg: dict, texts: list[str], num_classes: int, ctx: RunContext):
        """``texts``: every text of the data set (features are computed once for all of them)."""
        self.cfg, self.num_classes, self.ctx = cfg, num_classes, ctx
        self.tokenizer = load_tokenizer(cfg["model"], cfg["trust_remote_code"])
        self._pretrained = None
        self.all = self._encode_all(texts)

    def _backbone(self):
        if self._pretrained is None:
            self._pretrained = load_hf_classifier(self.cfg["model"], self.num_classes, self.cfg["pooling"], self.cfg["trust_remote_code"])
        return self._pretrained

    def _tokens(self, texts: list[str]) -> Encoded:
        ids = self.tokenizer(list(texts), truncation=True, max_length=self.cfg["max_length"])["input_ids"]
        return Encoded(ids=ids, pad_id=self.tokenizer.pad_token_id, side=self.tokenizer.padding_side)

    def _encode_all(self, texts: list[str]) -> Encoded:
        tokens = self._tokens(texts)
        if self.cfg["mode"] != "linear_probe":
            return tokens
        key = digest("features", model_fingerprint(self.cfg["model"]), self.cfg["pooling"], self.cfg["max_length"], texts)

        def compute():
            model = self._backbone().to(self.ctx.device).eval()
            feats = torch.zeros(len(tokens), model.backbone.config.hidden_size)
            with torch.no_grad():
                for b in tokens.batches(128):
                    x = {k: v.to(self.ctx.device) for k, v in b.items() if k != "index"}
                    feats[b["index"]] = model.features(**x).float().cpu()
            return feats

        self.ctx.log(f"frozen features of {self.cfg['model']} for {len(texts)} texts (cached by hash)")
        with self.ctx.timed("features"):
            return Encoded(feats=self.ctx.cache.get_or_compute("features", key, compute))

    def inputs(self, idx) -> Encoded:
        """Inputs for the data set's examples ``idx``."""
        return self.all.take(idx)

    def new_model(self, seed: int) -> nn.Module:
        if self.cfg["mode"] == "linear_probe":
            torch.manual_seed(seed)
            return LinearHead(self.all.feats.shape[1], self.num_classes)
        pretrained = self._backbone()  # loaded before seeding: loading draws random numbers the first time
        torch.manual_seed(seed)
        model = copy.deepcopy(pretrained)
        model.head.reset_parameters()
        if self.cfg["gradient_checkpointing"]:
            # Non-reentrant: gradients reach LoRA adapters even though the frozen embeddings' outputs
            # do not require grad (the reentrant variant would silently drop them).
            model.backbone.activation_checkpointing_enable({"use_reentrant": False})
        if self.cfg["mode"] == "lora":
            model = add_lora(model, self.cfg["lora_rank"])
        return model

    def logits(self, model: nn.Module, enc: Encoded) -> torch.Tensor:
        return predict(model, enc.batches(256), len(enc), self.ctx.device, self.ctx.precision)


def forward(model: nn.Module, batch: dict) -> torch.Tensor:
    """Logits for a training batch of either input kind."""
    if "x" in batch:
        return model(batch["x"])
    return model(batch["input_ids"], batch["attention_mask"])


def batch_rng(seed: int, salt: int) -> np.random.Generator:
    return np.random.default_rng([seed, salt])
