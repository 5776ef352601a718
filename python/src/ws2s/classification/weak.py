"""Stage "weak" + "weak_labels": train each weak member on weak_train, label the other splits.

A member trains on 90% of weak_train and keeps its best epoch by accuracy on the other 10% (its
own held-out gold, which also gives its reliability for weighting); it never sees other splits' gold.
Models and labels are cached by a hash of everything that determines them.
"""

from __future__ import annotations

import numpy as np
import torch

from ws2s.cache import digest
from ws2s.recipe import RunContext
from ws2s.classification.data import Encoded, SplitData
from ws2s.device import seed_everything
from ws2s.losses import xent
from ws2s.metrics import accuracy
from ws2s.models import TRAIN_KEYS, build_weak
from ws2s.models.hf import model_fingerprint
from ws2s.train.loop import predict, train

LABELLED = ("strong_train", "val", "test")
HOLDOUT_FRAC = 0.1


def _encode(clf, texts: list[str]) -> Encoded:
    return Encoded(ids=clf.encode(texts), pad_id=clf.pad_id, side=clf.padding_side)


def train_member(member: dict, data: SplitData, config: dict, seed: int, ctx: RunContext) -> dict:
    """Returns ``{"state", "vocab", "holdout_accuracy", "train"}`` for one weak member (cached)."""
    settings = {**config["weak_train"], **{k: v for k, v in member["params"].items() if k in TRAIN_KEYS}}
    texts, labels = data.texts("weak_train"), data.labels("weak_train")
    rng = np.random.default_rng([seed, 1])
    perm = rng.permutation(len(texts))
    n_hold = max(2, int(round(HOLDOUT_FRAC * len(texts))))
    hold, fit = perm[:n_hold], perm[n_hold:]
    fit_texts = [texts[i] for i in fit]
    key = digest("weak-model", member, settings, fit_texts, labels.tolist(), hold.tolist(), seed,
                 model_fingerprint(member["model"]) if member.get("model") else None)

    def compute():
        seed_everything(seed)
        clf = build_weak(member, fit_texts, data.num_classes)
        enc = _encode(clf, texts)
        onehot = torch.nn.functional.one_hot(labels, data.num_classes).float()
        fit_enc, fit_y, hold_enc = enc.take(fit), onehot[fit], enc.take(hold)
        batch_rng = np.random.default_rng([seed, 2])

        def evaluate(model):
            logits = predict(model, hold_enc.batches(256), len(hold_enc), ctx.device, ctx.precision)
            acc = accuracy(logits.softmax(-1), labels[hold])
            return {"score": acc, "accuracy": acc}

        info = train(
            clf.module, lambda epoch: fit_enc.batches(settings["batch_size"], fit_y, batch_rng),
            lambda m, b, progress: xent(m(b["input_ids"], b["attention_mask"]).float(), b["target"]),
            epochs=settings["epochs"], lr=settings["lr"], weight_decay=settings["weight_decay"],
            device=ctx.device, precision=ctx.precision, evaluate=evaluate, emit=ctx.emit, key=f"weak/{member['name']}/seed{seed}",
        )
        best = info["history"][info["best_epoch"]]["accuracy"]
        state = {k: v.detach().cpu() for k, v in clf.module.state_dict().items()}
        return {"state": state, "vocab": clf.state.get("vocab"), "holdout_accuracy": best,
                "train": {k: info[k] for k in ("steps", "best_epoch", "seconds")}}

    out = ctx.cache.get_or_compute("weak_models", key, compute)
    out["key"] = key
    return out


def label_splits(member: dict, trained: dict, data: SplitData, ctx: RunContext) -> dict[str, torch.Tensor]:
    """The member's class probabilities ``[n, classes]`` on strong_train, val and test (cached)."""
    texts = {s: data.texts(s) for s in LABELLED}
    key = digest("weak-labels", trained["key"], texts)

    def compute():
        clf = build_weak(member, data.texts("weak_train"), data.num_classes, vocab=trained["vocab"])
        clf.module.load_state_dict(trained["state"])
        out = {}
        for s in LABELLED:
            enc = _encode(clf, texts[s])
            out[s] = predict(clf.module, enc.batches(256), len(enc), ctx.device, ctx.precision).softmax(-1)
        return out

    return ctx.cache.get_or_compute("weak_labels", key, compute)


def weak_ensemble(members: list[dict], data: SplitData, config: dict, seed: int, ctx: RunContext, step: int, total: int) -> tuple[dict, int]:
    """Trains and labels every member. Returns ``({name: {"probs": {split: [n, C]}, "holdout_accuracy"}}, step)``."""
    out = {}
    for m in members:
        ctx.progress("weak", step, total, f"seed {seed}: weak member {m['name']} ({m['arch']})")
        with ctx.timed("weak"):
            trained = train_member(m, data, config, seed, ctx)
        with ctx.timed("weak_labels"):
            ctx.progress("weak_labels", step, total, f"seed {seed}: {m['name']} labels strong_train, val, test")
            probs = label_splits(m, trained, data, ctx)
        out[m["name"]] = {"probs": probs, "holdout_accuracy": trained["holdout_accuracy"]}
        step += 1
    return out, step
