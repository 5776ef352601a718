"""A run's data: the task loaded and split for one seed, and model inputs ready for batching."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ws2s.tasks import SPLITS, TextDataset, load_task, make_splits
from ws2s.train.batching import token_batches


@dataclass
class SplitData:
    dataset: TextDataset
    idx: dict[str, np.ndarray]  # split name -> indices into dataset

    def texts(self, split: str) -> list[str]:
        return [self.dataset.texts[i] for i in self.idx[split]]

    def labels(self, split: str) -> torch.Tensor:
        return torch.as_tensor([self.dataset.labels[i] for i in self.idx[split]], dtype=torch.long)

    @property
    def num_classes(self) -> int:
        return len(self.dataset.classes)

    def balance(self) -> dict[str, dict[str, float]]:
        return {s: self.dataset.subset(self.idx[s]).balance() for s in SPLITS}


def data_seed(config: dict, seed: int) -> int:
    """Built-in tasks are generated once (task.seed) so all seeds share data; the seed varies the split."""
    return int(config["task"].get("seed", 0)) if config["task"]["source"] == "builtin" else seed


def load_split(config: dict, seed: int) -> SplitData:
    ds = load_task(config["task"], data_seed(config, seed))
    return SplitData(ds, make_splits(len(ds), config["splits"], seed, ds.weak_eligible))


@dataclass
class Encoded:
    """One model's inputs for a list of examples: token ids (padded per batch) or fixed features."""

    ids: list[list[int]] | None = None
    feats: torch.Tensor | None = None
    pad_id: int = 0
    side: str = "right"

    def __len__(self) -> int:
        return len(self.ids) if self.ids is not None else int(self.feats.shape[0])

    def take(self, idx) -> "Encoded":
        idx = [int(i) for i in idx]
        if self.ids is not None:
            return Encoded(ids=[self.ids[i] for i in idx], pad_id=self.pad_id, side=self.side)
        return Encoded(feats=self.feats[torch.as_tensor(idx, dtype=torch.long)])

    def batches(self, batch_size: int, target: torch.Tensor | None = None, rng: np.random.Generator | None = None) -> list[dict]:
        """Batch dicts with ``index`` (rows into this Encoded) and ``target`` rows when given."""
        extra = {} if target is None else {"target": target}
        if self.ids is not None:
            return token_batches(self.ids, extra, batch_size, self.pad_id, self.side, rng)
        n = len(self)
        order = rng.permutation(n) if rng is not None else np.arange(n)
        out = []
        for s in range(0, n, batch_size):
            i = torch.as_tensor(order[s : s + batch_size], dtype=torch.long)
            out.append({"x": self.feats[i], "index": i, **{k: v[i] for k, v in extra.items()}})
        return out
