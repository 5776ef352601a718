"""Stages "ceiling" and "student": the strong model trained on gold labels, then on weak labels per method.

A student's training set is (inputs of strong_train, weak targets) — gold labels of strong_train
never enter it. Its best epoch is chosen by agreement with the weak labels on val.
"""

from __future__ import annotations

import torch

from ws2s.recipe import RunContext
from ws2s.classification.data import SplitData
from ws2s.classification.strong import StrongModel, batch_rng, forward
from ws2s.losses import dirichlet_uncertainty, loss_fn, member_weights, xent
from ws2s.methods import METHODS
from ws2s.metrics import accuracy
from ws2s.train.loop import grad_clip, train


def weak_targets(method: dict, weak: dict, split: str) -> torch.Tensor:
    """The soft labels a method learns from on ``split``: ``[n, C]``, or ``[n, K, C]`` for multi-weak losses."""
    names = list(weak)
    if METHODS[method["loss"]].multi:  # every member's labels: [n, K, C]
        return torch.stack([weak[n]["probs"][split] for n in names], dim=1)
    if method["weak"] == "ensemble":
        return torch.stack([weak[n]["probs"][split] for n in names]).mean(0)
    return weak[method["weak"]]["probs"][split]


def student_probs(method: dict | None, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Predicted probabilities ``[n, C]`` and, for evidential students, uncertainty ``[n]``."""
    if method is not None and METHODS[method["loss"]].evidential:
        pred = dirichlet_uncertainty(logits, method["params"].get("evidence", "exp"))
        return pred.probs, pred.uncertainty
    return logits.softmax(-1), None


def train_strong(strong: StrongModel, data: SplitData, target: torch.Tensor, step_loss, val_reference: torch.Tensor,
                 config: dict, seed: int, ctx: RunContext, key: str, method: dict | None) -> tuple[torch.Tensor, dict]:
    """Trains a fresh strong model on strong_train with ``target``; returns test logits and loop info.

    ``val_reference``: the class indices on val that model selection compares against (weak labels
    for students, gold for the ceiling).
    """
    settings = config["strong_train"]
    model = strong.new_model(seed)
    train_in, val_in = strong.inputs(data.idx["strong_train"]), strong.inputs(data.idx["val"])
    rng = batch_rng(seed, 3)

    def evaluate(m):
        probs, _ = student_probs(method, strong.logits(m, val_in))
        agree = accuracy(probs, val_reference)
        return {"score": agree, "agreement": agree}

    info = train(model, lambda epoch: train_in.batches(settings["batch_size"], target, rng), step_loss,
                 epochs=settings["epochs"], lr=settings["lr"], weight_decay=settings["weight_decay"],
                 device=ctx.device, precision=ctx.precision, evaluate=evaluate, emit=ctx.emit, key=key,
                 max_grad_norm=grad_clip(settings))
    return strong.logits(model, strong.inputs(data.idx["test"])), {k: info[k] for k in ("steps", "best_epoch", "seconds")}


def train_ceiling(strong: StrongModel, data: SplitData, config: dict, seed: int, ctx: RunContext):
    gold = torch.nn.functional.one_hot(data.labels("strong_train"), data.num_classes).float()
    return train_strong(strong, data, gold, lambda m, b, p: xent(forward(m, b).float(), b["target"]), data.labels("val"),
                        config, seed, ctx, f"ceiling/seed{seed}", None)


def train_student(strong: StrongModel, data: SplitData, method: dict, weak: dict, config: dict, seed: int, ctx: RunContext):
    target = weak_targets(method, weak, "strong_train")  # weak labels only: no gold enters here
    val_ref = weak_targets(method, weak, "val")
    val_ref = (val_ref.mean(1) if val_ref.dim() == 3 else val_ref).argmax(-1)
    hyper = dict(method["params"])
    if METHODS[method["loss"]].multi:
        hyper["weights"] = member_weights(method["weights"], [w["holdout_accuracy"] for w in weak.values()], chance=1.0 / data.num_classes)
    fn = loss_fn(method["loss"], **hyper)
    step_loss = lambda m, b, progress: fn(forward(m, b).float(), b["target"], progress)  # noqa: E731
    return train_strong(strong, data, target, step_loss, val_ref, config, seed, ctx, f"student/{method['name']}/seed{seed}", method)
