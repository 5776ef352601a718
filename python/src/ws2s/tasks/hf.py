"""Hugging Face data sets by hub id (needs a network) or a ``save_to_disk`` directory (offline)."""

from __future__ import annotations

from pathlib import Path

from ws2s.tasks.base import TextDataset
from ws2s.tasks.files import _from_rows


def load_hf(cfg: dict, seed: int) -> TextDataset:
    try:
        import datasets  # heavy: imported only when an hf task is used
    except ImportError:
        raise ImportError("task.source 'hf' needs the `datasets` package: pip install 'ws2s[hf]'") from None
    src = cfg["id"]
    if Path(src).expanduser().is_dir():
        ds = datasets.load_from_disk(str(Path(src).expanduser()))
        if isinstance(ds, datasets.DatasetDict):
            if cfg["split"] not in ds:
                raise ValueError(f"task.split: {cfg['split']!r} not in {src} (has {', '.join(ds)})")
            ds = ds[cfg["split"]]
    else:
        ds = datasets.load_dataset(src, cfg.get("subset"), split=cfg["split"])
    if cfg.get("limit"):
        ds = ds.select(range(min(cfg["limit"], len(ds))))
    classes = cfg.get("classes")
    feat = ds.features.get(cfg["label_field"]) if hasattr(ds, "features") else None
    if classes is None and feat is not None and getattr(feat, "names", None):
        classes = list(range(len(feat.names)))  # ClassLabel: ints, with names for display
        out = _from_rows(list(ds), {**cfg, "classes": classes}, f"task.id {src}")
        out.classes = list(feat.names)
        return out
    return _from_rows(list(ds), cfg, f"task.id {src}")
