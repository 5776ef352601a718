"""Stages "ceiling" and "student": the strong model trained on gold labels, then on weak labels per method.

A student's training set is (inputs of strong_train, weak targets) — gold labels of strong_train
never enter it. Which epoch a student keeps is ``strong_train.select``: "last" (default; a fixed
schedule, as Burns et al.) or "weak_agreement" (the epoch agreeing most with the weak labels on val,
which rewards copying weak errors). The ceiling keeps its best epoch on gold val.

Label sources (``methods[].weak``): "ensemble" (mean of the members' probabilities), a member's name,
"all" (every member's labels ``[n, K, C]``: multi_weak, dirichlet_nll, and edl as ``edl_multi``) and
"dawid_skene" (the Dawid–Skene EM posterior, fitted on the members' labels of strong_train only — no
gold — and applied to val/test by its E-step).

``multi_weak`` ``targets``: "hard" (default; each member's argmax label, one-hot) or "soft" (each
member's probabilities). Soft is the naive student under a weighted mean: cross-entropy is linear in
the target, so Σ_k w_k CE(p, q_k) = CE(p, Σ_k w_k q_k). ``targets`` applies to multi_weak only; the
Bayesian students (edl with weak "all", dirichlet_nll) always see the members' probabilities.

``weights`` "dawid_skene": each member's EM-estimated accuracy a_k = Σ_c ρ_c π_k[c, c] turned into
weights by the reliability rule w_k ∝ max(a_k − 1/C, 0) (``ws2s.aggregate.dawid_skene``).

Evidential students (``edl``, ``edl_self``): KL weight by ``params.schedule`` — "coauthors" (default,
as BriansIDP/LLMweakTOstrong: λ_t = 1e-4 · step fraction) or "sensoy" (λ_t = kl_coef · min(1, epoch /
anneal), kl_coef 1, anneal 10 epochs, never shortened to the run); ``ws2s.losses.anneal.kl_schedule``.

``confidence: "relabel"`` (evidential students): after a first pass, on every strong_train example i
  - the student's uncertainty u_i = C / S_i (S = Σ_c α_c of its Dirichlet), in (0, 1] (above 1 for the anchored
    dirichlet_nll, whose α = e^z + 1e-6 may sum below C);
  - the members' disagreement d_i = 1 − max_c (1/K) Σ_k [argmax q_ik = c], the share of members that
    do not vote for the plurality class, in [0, 1 − 1/K] (0 when all agree; with one label source, K = 1
    and d = 0, so nothing is relabelled);
  where u_i < d_i the student is surer than the members agree, and its target becomes the one-hot of
  its own prediction (every member's row, for multi-weak targets); elsewhere the weak target stays.
  Then a fresh strong model is trained on these targets (same seed, same method); that second pass
  is the student reported. ``info["relabelled"]`` is the fraction of examples changed.

logconf and edl_self harden the student's labels to the class balance of the weak labels' argmax on
the whole of strong_train (``prior_for``), not to a batch's mean soft label.
"""

from __future__ import annotations

import torch

from ws2s.aggregate import dawid_skene, dawid_skene_posterior
from ws2s.recipe import RunContext
from ws2s.classification.data import SplitData
from ws2s.classification.strong import StrongModel, batch_rng, forward
from ws2s.losses import dirichlet_uncertainty, edl_multi, loss_fn, member_weights, xent
from ws2s.losses.bayesian import dirichlet_nll_prediction
from ws2s.losses.anneal import DEFAULT_SCHEDULE, kl_schedule
from ws2s.methods import METHODS
from ws2s.metrics import accuracy
from ws2s.metrics.uncertainty import member_disagreement
from ws2s.train.loop import grad_clip, train


def learns_from_all(method: dict) -> bool:
    return method["weak"] == "all" or METHODS[method["loss"]].multi


def member_probs(weak: dict, split: str) -> torch.Tensor:
    """Every member's probabilities on ``split``: ``[n, K, C]``."""
    return torch.stack([w["probs"][split] for w in weak.values()], dim=1)


def ds_fit(weak: dict):
    """Dawid–Skene fitted on the members' labels of strong_train (no gold), once per weak ensemble."""
    first = next(iter(weak.values()))
    if "_ds" not in first:
        first["_ds"] = dawid_skene(member_probs(weak, "strong_train"))
    return first["_ds"]


def weak_targets(method: dict, weak: dict, split: str) -> torch.Tensor:
    """The labels a method learns from on ``split``: ``[n, C]``, or ``[n, K, C]`` for students of every member."""
    if learns_from_all(method):
        stacked = member_probs(weak, split)
        if method["loss"] == "multi_weak" and method.get("targets", "hard") == "hard":
            return torch.nn.functional.one_hot(stacked.argmax(-1), stacked.shape[-1]).to(stacked.dtype)
        return stacked
    if method["weak"] == "ensemble":
        return member_probs(weak, split).mean(1)
    if method["weak"] == "dawid_skene":
        fit = ds_fit(weak)
        post = fit.posteriors if split == "strong_train" else dawid_skene_posterior(fit, member_probs(weak, split))
        return post.float()
    return weak[method["weak"]]["probs"][split]


def prior_for(target: torch.Tensor) -> torch.Tensor:
    """Class frequencies ``[C]`` of the weak labels' argmax over a whole split (mean member vote for ``[n, K, C]``)."""
    hard = target.argmax(-1)
    counts = torch.nn.functional.one_hot(hard, target.shape[-1]).float()
    return counts.reshape(-1, target.shape[-1]).mean(0)


def relabel(target: torch.Tensor, probs: torch.Tensor, uncertainty: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Targets where u < d take the student's own one-hot label; returns (new targets, changed mask ``[n]``)."""
    change = uncertainty < torch.as_tensor(member_disagreement(target), dtype=uncertainty.dtype)
    own = torch.nn.functional.one_hot(probs.argmax(-1), probs.shape[-1]).to(target.dtype)
    if target.dim() == 3:
        own = own[:, None, :].expand_as(target)
    new = target.clone()
    new[change] = own[change]
    return new, change


def student_probs(method: dict | None, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Predicted probabilities ``[n, C]`` and, for evidential students, uncertainty ``[n]``."""
    if method is not None and method["loss"] == "dirichlet_nll":
        pred = dirichlet_nll_prediction(logits, method["params"].get("form", "anchored"), method["params"].get("evidence", "exp"))
        return pred.probs, pred.uncertainty
    if method is not None and METHODS[method["loss"]].evidential:
        pred = dirichlet_uncertainty(logits, method["params"].get("evidence", "exp"))
        return pred.probs, pred.uncertainty
    return logits.softmax(-1), None


def train_strong(strong: StrongModel, data: SplitData, target: torch.Tensor, step_loss, val_reference: torch.Tensor,
                 config: dict, seed: int, ctx: RunContext, key: str, method: dict | None,
                 splits: tuple[str, ...] = ("test",)) -> tuple[dict, dict]:
    """Trains a fresh strong model on strong_train with ``target``; returns logits per split and loop info.

    ``val_reference``: the class indices on val that model selection compares against (gold for the
    ceiling, weak labels for students under ``select: "weak_agreement"``); students under "last" keep
    the last epoch (agreement is still logged).
    """
    settings = config["strong_train"]
    keep_last = method is not None and settings.get("select", "last") == "last"
    model = strong.new_model(seed)
    train_in, val_in = strong.inputs(data.idx["strong_train"]), strong.inputs(data.idx["val"])
    rng = batch_rng(seed, 3)

    def evaluate(m):
        probs, _ = student_probs(method, strong.logits(m, val_in))
        agree = accuracy(probs, val_reference)
        return {"score": None if keep_last else agree, "agreement": agree}

    info = train(model, lambda e: train_in.batches(settings["batch_size"], target, rng), step_loss,
                 epochs=settings["epochs"], lr=settings["lr"], weight_decay=settings["weight_decay"],
                 device=ctx.device, precision=ctx.precision, evaluate=evaluate, emit=ctx.emit, key=key,
                 max_grad_norm=grad_clip(settings))
    logits = {s: strong.logits(model, strong.inputs(data.idx[s])) for s in splits}
    return logits, {k: info[k] for k in ("steps", "best_epoch", "seconds")}


def train_ceiling(strong: StrongModel, data: SplitData, config: dict, seed: int, ctx: RunContext):
    gold = torch.nn.functional.one_hot(data.labels("strong_train"), data.num_classes).float()
    logits, info = train_strong(strong, data, gold, lambda m, b, p: xent(forward(m, b).float(), b["target"]), data.labels("val"),
                                config, seed, ctx, f"ceiling/seed{seed}", None)
    return logits["test"], info


def method_loss(method: dict, weak: dict, target: torch.Tensor, config: dict, num_classes: int):
    """``fn(logits, target, progress)`` for ``method`` with its classification hyperparameters bound."""
    hyper, loss = dict(method["params"]), method["loss"]
    if METHODS[loss].evidential and loss != "dirichlet_nll":
        hyper["kl_coef"], hyper["anneal_frac"] = kl_schedule(
            hyper.pop("schedule", DEFAULT_SCHEDULE), hyper.pop("kl_coef", None), hyper.pop("anneal", None),
            config["strong_train"]["epochs"])
    if loss in ("logconf", "edl_self"):
        hyper["prior"] = prior_for(target)
    if learns_from_all(method):
        if method["weights"] == "dawid_skene":
            hyper["weights"] = ds_fit(weak).weights
        else:
            hyper["weights"] = member_weights(method["weights"], [w["holdout_accuracy"] for w in weak.values()], chance=1.0 / num_classes)
    if loss == "edl" and learns_from_all(method):
        return lambda z, t, progress: edl_multi(z, t, progress, **hyper)
    return loss_fn(loss, **hyper)


def train_student(strong: StrongModel, data: SplitData, method: dict, weak: dict, config: dict, seed: int, ctx: RunContext):
    """Trains the student of ``method``; returns (test logits, info). With ``confidence: "relabel"``, two passes."""
    target = weak_targets(method, weak, "strong_train")  # weak labels only: no gold enters here
    val_ref = weak_targets(method, weak, "val")
    val_ref = (val_ref.mean(1) if val_ref.dim() == 3 else val_ref).argmax(-1)
    key = f"student/{method['name']}/seed{seed}"

    def fit(t: torch.Tensor, k: str, splits: tuple[str, ...]):
        fn = method_loss(method, weak, t, config, data.num_classes)
        step_loss = lambda m, b, progress: fn(forward(m, b).float(), b["target"], progress)  # noqa: E731
        return train_strong(strong, data, t, step_loss, val_ref, config, seed, ctx, k, method, splits)

    if method.get("confidence", "none") != "relabel":
        logits, info = fit(target, key, ("test",))
        return logits["test"], info
    first, _ = fit(target, key + "/pass1", ("strong_train",))
    probs, unc = student_probs(method, first["strong_train"])
    new_target, changed = relabel(target, probs, unc)
    ctx.log(f"seed {seed}: {method['name']} relabels {float(changed.float().mean()):.1%} of strong_train (u < members' disagreement)")
    logits, info = fit(new_target, key, ("test",))
    return logits["test"], {**info, "relabelled": float(changed.float().mean())}
