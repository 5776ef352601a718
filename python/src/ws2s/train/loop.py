"""The one training loop: weak models, the ceiling and every student (and generation) go through it.

Read it top to bottom: optional ``torch.compile`` of the model's blocks, AdamW (fused on CUDA),
cosine learning-rate decay, bf16 autocast on CUDA, gradient clipping, a metric event every few steps,
validation after every epoch with the best epoch's weights kept (model selection by whatever ``evaluate`` scores — for students that is agreement with
weak labels, never gold).
"""

from __future__ import annotations

import copy
import math
import time
from typing import Callable, Iterable

import torch

from ws2s.device import autocast, to_device
from ws2s.events import null_emit
from ws2s.train import distributed
from ws2s.train.compile import compile_model

StepLoss = Callable[[torch.nn.Module, dict, float], torch.Tensor]


def train(
    model: torch.nn.Module,
    batches: Callable[[int], list[dict]],
    step_loss: StepLoss,
    *,
    epochs: int,
    lr: float,
    weight_decay: float = 0.0,
    device: torch.device = torch.device("cpu"),
    precision: str = "auto",
    evaluate: Callable[[torch.nn.Module], dict] | None = None,
    emit=null_emit,
    key: str = "train",
    log_every: int = 10,
    min_lr_frac: float = 0.1,
    max_grad_norm: float = 1.0,
    compile: bool = False,
) -> dict:
    """Trains ``model`` in place and returns ``{steps, best_epoch, history, seconds}``.

    batches(epoch) -> list of batch dicts (tensors on CPU); step_loss(model, batch, progress) -> scalar,
    progress ∈ [0, 1) the fraction of steps done; evaluate(model) -> dict of floats with a "score"
    (higher is better) used to keep the best epoch; it runs under ``torch.no_grad`` in eval mode.
    compile: ``torch.compile`` the model's repeated blocks in place (``ws2s.train.compile``); it pays on
    a GPU over many steps, not for a short CPU run, hence off by default.
    """
    t0 = time.perf_counter()
    model.to(device)
    if compile:
        compile_model(model)
    # Under torchrun (distributed.active()): each process trains its share of every epoch's batches on
    # the wrapped model (DDP averages gradients; FSDP trains a sharded copy whose full weights are
    # gathered into ``model`` after every epoch). evaluate and the returned model stay the plain
    # module, which every process holds in the same state.
    world = distributed.active()
    net = distributed.training_module(model, *world) if world else model
    epoch_batches = (lambda epoch: distributed.shard(batches(epoch), world[0])) if world else batches
    params = [p for p in net.parameters() if p.requires_grad]  # after wrap: FSDP replaces parameters
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=device.type == "cuda")
    steps_per_epoch = len(epoch_batches(0))
    total = max(1, epochs * steps_per_epoch)
    step, best_score, best_state, best_epoch, history = 0, -math.inf, None, epochs - 1, []

    for epoch in range(epochs):
        net.train()
        for batch in epoch_batches(epoch):
            progress = step / total
            for g in opt.param_groups:  # cosine decay from lr to min_lr_frac * lr
                g["lr"] = lr * (min_lr_frac + (1 - min_lr_frac) * 0.5 * (1 + math.cos(math.pi * progress)))
            batch = to_device(batch, device)
            with autocast(device, precision):
                loss = step_loss(net, batch, progress)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if max_grad_norm:
                torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
            opt.step()
            if step % log_every == 0:
                emit({"type": "metric", "key": f"{key}/train_loss", "value": float(loss.detach()), "step": step})
            step += 1

        if world and world[1] == "fsdp":
            distributed.gather_into(net, model)
        if evaluate is not None:
            model.eval()
            with torch.no_grad():
                metrics = evaluate(model)
            history.append({"epoch": epoch, **metrics})
            for name, value in metrics.items():
                emit({"type": "metric", "key": f"{key}/val_{name}", "value": float(value), "step": epoch})
            if metrics["score"] > best_score:
                best_score, best_epoch = metrics["score"], epoch
                best_state = copy.deepcopy(model.state_dict()) if epoch < epochs - 1 else None

    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return {"steps": step, "best_epoch": best_epoch, "history": history, "seconds": time.perf_counter() - t0}


@torch.no_grad()
def predict(model: torch.nn.Module, batches: Iterable[dict], n: int, device: torch.device, precision: str = "auto") -> torch.Tensor:
    """Logits ``[n, classes]`` (float32, CPU) in the original order; each batch carries ``index``."""
    model.to(device).eval()
    out = None
    for batch in batches:
        idx = batch["index"]
        b = to_device({k: v for k, v in batch.items() if k not in ("index", "target")}, device)
        with autocast(device, precision):
            logits = model(**b).float().cpu()
        if out is None:
            out = torch.zeros(n, logits.shape[-1])
        out[idx] = logits
    return out
