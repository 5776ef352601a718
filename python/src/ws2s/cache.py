"""Content-addressed artifact cache: weak models, weak labels, frozen features.

An entry's key is a hash of everything that determines it (config fragment, data, seed, code
version); an entry stores the artifact and the seconds it took to compute, so a hit reports the
time saved. Location: ``WS2S_CACHE_DIR`` or ``<out_dir>/../.cache``.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

import torch

import ws2s
from ws2s.train.distributed import all_ranks_agree

#: Bump when a change alters cached artifacts without changing their keys.
CACHE_VERSION = 1


def digest(*parts: Any) -> str:
    """A stable hex hash of JSON-able parts (lists of texts included)."""
    h = hashlib.sha256(json.dumps([CACHE_VERSION, ws2s.__version__, *parts], sort_keys=True, default=str).encode())
    return h.hexdigest()[:24]


def cache_dir_for(out_dir: str | Path) -> Path:
    env = os.environ.get("WS2S_CACHE_DIR")
    return Path(env) if env else Path(out_dir).resolve().parent / ".cache"


class Cache:
    def __init__(self, root: str | Path, enabled: bool = True):
        self.root = Path(root)
        self.enabled = enabled
        self.stats = {"hits": 0, "misses": 0, "saved_s": 0.0, "by_kind": {}}

    def _path(self, kind: str, key: str) -> Path:
        return self.root / kind / f"{key}.pt"

    def get_or_compute(self, kind: str, key: str, compute: Callable[[], Any]) -> Any:
        """The cached artifact for (kind, key), or ``compute()``'s result, stored for next time.

        Artifacts are dicts/lists of tensors, numbers and strings (loaded with ``weights_only=True``).
        """
        by_kind = self.stats["by_kind"].setdefault(kind, {"hits": 0, "misses": 0})
        path = self._path(kind, key)
        entry = None
        if self.enabled and path.exists():
            try:
                entry = torch.load(path, weights_only=True)
            except Exception:  # noqa: BLE001 - a corrupt entry is recomputed
                entry = None
        # In a multi-process run every rank must take the same branch: computing may train, and a rank
        # that trained while another loaded from the cache would wait for it forever.
        if all_ranks_agree(entry is not None):
            self.stats["hits"] += 1
            by_kind["hits"] += 1
            self.stats["saved_s"] += float(entry["seconds"])
            return entry["value"]
        t0 = time.perf_counter()
        value = compute()
        seconds = time.perf_counter() - t0
        self.stats["misses"] += 1
        by_kind["misses"] += 1
        if self.enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            torch.save({"value": value, "seconds": seconds, "created": time.time()}, tmp)
            tmp.replace(path)  # atomic: concurrent runs never read half an entry
        return value
