"""(e) Generation on the device: a tiny Hugging Face causal LM through beam search, the soft-label loss and DPO.

A Llama-style LM is built from a config (random weights, a word-level tokenizer over the built-in
task's words; hidden 256 × 4 layers on CUDA, 32 × 1 on the CPU) and loaded through ws2s's causal-LM
adapter, so every step is ws2s's own code path, in bf16 autocast on CUDA:

- beam search over a batch of requests (N-best with per-token log-probabilities): the top hypothesis's
  summed log-probabilities must equal a teacher-forced re-score of that sequence by the model;
- the soft-label loss (token-level soft labels through words, weak confidences per word) trains for a
  few steps through ``ws2s.train.loop.train``: loss and gradients finite, the loss falls;
- DPO (``ws2s.losses.dpo``) against a frozen reference: gold frame chosen, the model's own top
  hypothesis rejected; at step 0 policy == reference, so the loss is log 2; reward statistics logged.
On CUDA the trained model is copied to the CPU in fp32 and the same numbers are compared for a small batch.
"""

from __future__ import annotations

import copy
import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from hardware import sync
from ws2s.device import autocast
from ws2s.generation.beam import beam_search
from ws2s.generation.models.hf import load_lm
from ws2s.testing.tiny_lm import save_tiny_lm
from ws2s.generation.scoring import token_logprobs
from ws2s.generation.students import WeakLabels, prepare
from ws2s.generation.tasks import load_task
from ws2s.generation.teacher_forcing import target_batches
from ws2s.losses import dpo
from ws2s.train.loop import train


@dataclass(frozen=True)
class GenSpec:
    hidden: int
    layers: int
    heads: int
    n_sources: int
    beam: int
    max_len: int
    soft_steps: int
    dpo_steps: int
    compare: int  # inputs compared against fp32 CPU (CUDA only)


GPU = GenSpec(hidden=256, layers=4, heads=4, n_sources=64, beam=4, max_len=24, soft_steps=20, dpo_steps=10, compare=8)
CPU = GenSpec(hidden=32, layers=1, heads=2, n_sources=8, beam=3, max_len=12, soft_steps=20, dpo_steps=5, compare=0)
LR, DPO_LR, BETA = 3e-3, 1e-3, 0.1


def tolerance(device: torch.device, n_tokens: int) -> float:
    """Allowed |Δ| between two computations of a sequence log-probability: fp32 noise, or bf16 per token."""
    return 1e-4 * max(1, n_tokens) if device.type == "cpu" else 0.02 * max(1, n_tokens)


def _timed(device: torch.device, fn):
    sync(device)
    t0 = time.perf_counter()
    out = fn()
    sync(device)
    return out, time.perf_counter() - t0


def _requests(n: int) -> tuple[list[str], list[str]]:
    fractions = {"weak_train": 0.1, "strong_train": 0.7, "val": 0.1, "test": 0.1}
    ex = load_task({"source": "builtin", "name": "assistant", "size": max(20, math.ceil(n / 0.7) + 2), "params": {}},
                   fractions, seed=0)["strong_train"][:n]
    return [e.source for e in ex], [e.target for e in ex]


def _weak_labels(targets: list[str]) -> WeakLabels:
    """Gold frames with per-word weak confidences between 0.5 and 1 (deterministic)."""
    g = torch.Generator().manual_seed(0)
    lps = [(torch.rand(len(t.split()) + 1, generator=g, dtype=torch.float64) * math.log(0.5)).tolist() for t in targets]
    return WeakLabels(texts=targets, word_logprobs=lps, member_texts=[targets])


def _beam(model, memory, spec: GenSpec):
    """Top hypotheses and the largest |Σ beam log-probs − re-score| over them."""
    nbest = beam_search(model, memory, beam_size=spec.beam, n_best=spec.beam, max_len=spec.max_len)
    top = [h[0] for h in nbest]
    rescored = token_logprobs(model, memory, list(range(len(top))), [h.ids for h in top])
    gaps = [abs(h.logprob - float(r.double().sum())) for h, r in zip(top, rescored)]
    return top, rescored, gaps


def _soft_batch(model, targets: list[str]):
    tok = model.tokenizer
    ids, extra, tensors, make_step = prepare({"loss": "soft", "params": {"targets": "one_best"}}, _weak_labels(targets), tok,
                                             torch.ones(1, dtype=torch.float64))
    return target_batches(ids, tok.pad_id, len(ids), 0, extra, tensors)(0)[0], make_step


def _soft_loss(model, memory, targets: list[str], device: torch.device, precision: str) -> torch.Tensor:
    batch, make_step = _soft_batch(model, targets)
    with autocast(device, precision):
        return make_step(memory)(model, {k: v.to(device) for k, v in batch.items()}, 0.0)


def _dpo_pairs(model, top, targets: list[str]):
    """(row, chosen = gold frame + eos, rejected = the model's top hypothesis) where they differ."""
    tok = model.tokenizer
    pairs = [(i, tok.encode(t) + [tok.eos_id], h.ids) for i, (t, h) in enumerate(zip(targets, top))]
    return [p for p in pairs if p[1] != p[2]]


def _seq_lp(model, memory, pairs, which: int, grad: bool) -> torch.Tensor:
    return torch.stack([lp.sum() for lp in token_logprobs(model, memory, [p[0] for p in pairs], [p[which] for p in pairs], grad=grad)])


def _row(check: str, value: float, limit: str, seconds: float | None, ok: bool, **extra) -> dict:
    return {"check": check, "value": value, "limit": limit, "seconds": seconds, "ok": bool(ok), **extra}


def run_generation(device: torch.device, cpu_part: bool) -> dict:
    spec = CPU if cpu_part else GPU
    precision = "auto"  # bf16 autocast on CUDA, fp32 on the CPU
    with tempfile.TemporaryDirectory() as d:
        path = save_tiny_lm(Path(d) / "lm", "llama", hidden=spec.hidden, layers=spec.layers, heads=spec.heads, seed=0)
        model = load_lm(path, "causal_lm", precision=precision).to(device).eval()
    sources, targets = _requests(spec.n_sources)
    memory = model.encode(sources)
    rows = []

    (top, _, gaps), s = _timed(device, lambda: _beam(model, memory, spec))
    worst = max(range(len(top)), key=gaps.__getitem__)
    tol = tolerance(device, len(top[worst].ids))
    rows.append(_row(f"beam search: {len(sources)} inputs, beam {spec.beam}, N-best {spec.beam}: "
                     "max |top hyp log-prob - re-score|", gaps[worst], f"<= {tol:.3g}", s, gaps[worst] <= tol,
                     inputs_per_s=len(sources) / s))

    model.train()
    loss0 = _soft_loss(model, memory, targets, device, precision)
    loss0.backward()
    grads_finite = all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    model.zero_grad(set_to_none=True)
    batch, make_step = _soft_batch(model, targets)
    curve: list[float] = []
    collect = lambda e: curve.append(e["value"]) if e.get("key") == "soft/train_loss" else None  # noqa: E731
    _, s = _timed(device, lambda: train(model, lambda epoch: [batch], make_step(memory), epochs=spec.soft_steps, lr=LR,
                                        device=device, precision=precision, emit=collect, key="soft", log_every=1))
    finite = math.isfinite(float(loss0.detach())) and all(map(math.isfinite, curve))
    rows.append(_row(f"soft-label loss: {spec.soft_steps} steps, loss first -> last", curve[-1], f"< {curve[0]:.3f}",
                     s / spec.soft_steps, finite and grads_finite and curve[-1] < curve[0], first=curve[0],
                     grads_finite=grads_finite, note="s per step"))

    model.eval()
    top, _, _ = _beam(model, memory, spec)
    pairs = _dpo_pairs(model, top, targets)
    reference = copy.deepcopy(model).requires_grad_(False)
    with torch.no_grad():
        ref = (_seq_lp(reference, memory, pairs, 1, False), _seq_lp(reference, memory, pairs, 2, False))
    stats: list[dict] = []
    losses: list[float] = []

    def dpo_step(m, b, progress):
        loss, st = dpo(_seq_lp(m, memory, pairs, 1, True), _seq_lp(m, memory, pairs, 2, True), ref[0], ref[1], beta=BETA)
        losses.append(float(loss.detach()))
        stats.append(st)
        return loss

    policy = copy.deepcopy(model)
    _, s = _timed(device, lambda: train(policy, lambda epoch: [{}], dpo_step, epochs=spec.dpo_steps, lr=DPO_LR,
                                        device=device, precision=precision))
    gap0, tol0 = abs(losses[0] - math.log(2)), (1e-5 if device.type == "cpu" else 1e-2)
    rows.append(_row(f"DPO: {len(pairs)} pairs, |step-0 loss - log 2| (policy == reference)", gap0, f"<= {tol0:g}",
                     None, gap0 <= tol0))
    rows.append(_row(f"DPO: {spec.dpo_steps} steps, loss -> last; rewards/accuracies {stats[-1]['rewards/accuracies']:.2f}, "
                     f"margins {stats[-1]['rewards/margins']:.3f}", losses[-1], f"< {losses[0]:.3f}", s / spec.dpo_steps,
                     all(map(math.isfinite, losses)) and losses[-1] < losses[0], stats=stats[-1], note="s per step"))

    if not cpu_part and spec.compare:
        rows.extend(compare_with_cpu(model, sources[: spec.compare], targets[: spec.compare], spec, device, precision))
    return {"rows": rows, "ok": all(r["ok"] for r in rows), "hidden": spec.hidden, "layers": spec.layers,
            "precision": "bf16 autocast" if device.type == "cuda" else "fp32"}


def compare_with_cpu(model, sources, targets, spec: GenSpec, device: torch.device, precision: str) -> list[dict]:
    """The device's numbers against an fp32 copy on the CPU, for a small batch."""
    cpu = copy.deepcopy(model).to("cpu").float()
    cpu.precision = "fp32"
    mem, cpu_mem = model.encode(sources), cpu.encode(sources)
    top, _, _ = _beam(model, mem, spec)
    cpu_top, _, _ = _beam(cpu, cpu_mem, spec)
    same = sum(a.ids == b.ids for a, b in zip(top, cpu_top)) / len(top)
    # the device's top hypotheses, re-scored by the fp32 model
    cpu_lp = token_logprobs(cpu, cpu_mem, list(range(len(top))), [h.ids for h in top])
    gaps = [abs(h.logprob - float(lp.double().sum())) / max(1, len(h.ids)) for h, lp in zip(top, cpu_lp)]
    with torch.no_grad():
        dev_loss = float(_soft_loss(model, mem, targets, device, precision))
        cpu_loss = float(_soft_loss(cpu, cpu_mem, targets, torch.device("cpu"), "fp32"))
    pairs = _dpo_pairs(model, top, targets)
    with torch.no_grad():
        d = torch.cat([_seq_lp(model, mem, pairs, 1, False), _seq_lp(model, mem, pairs, 2, False)]).double().cpu()
        c = torch.cat([_seq_lp(cpu, cpu_mem, pairs, 1, False), _seq_lp(cpu, cpu_mem, pairs, 2, False)]).double()
    n_tok = max(len(p[1]) + len(p[2]) for p in pairs) // 2 if pairs else 1
    seq_gap, seq_tol = float((d - c).abs().max()) if pairs else 0.0, tolerance(device, n_tok)
    rel = abs(dev_loss - cpu_loss) / abs(cpu_loss)
    return [
        _row(f"vs fp32 CPU, {len(sources)} inputs: top hypotheses identical", same, "reported", None, True),
        _row("vs fp32 CPU: max |beam log-prob - fp32 re-score| per token", max(gaps), "<= 0.02", None, max(gaps) <= 0.02),
        _row("vs fp32 CPU: soft-label loss, relative gap", rel, "<= 0.02", None, rel <= 0.02),
        _row("vs fp32 CPU: DPO sequence log-probs, max |gap|", seq_gap, f"<= {seq_tol:.3g}", None, seq_gap <= seq_tol),
    ]


def print_generation(res: dict) -> None:
    print(f"\n(e) generation: tiny HF causal LM (hidden {res['hidden']}, {res['layers']} layers, random weights, "
          f"{res['precision']}) through ws2s's adapter")
    width = max(len(r["check"]) for r in res["rows"])
    print(f"{'check':<{width}} {'value':>9} {'limit':>10} {'time s':>8} ok")
    for r in res["rows"]:
        t = "" if r["seconds"] is None else f"{r['seconds']:.3f}"
        print(f"{r['check']:<{width}} {r['value']:>9.4g} {r['limit']:>10} {t:>8} {'yes' if r['ok'] else 'NO'}")
    print("time: the whole beam search; per step for the soft loss and DPO" + ("" if res["ok"] else " -- CHECK FAILED"))
