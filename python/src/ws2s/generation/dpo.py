"""The DPO stage: the student's own candidates, ranked by the weak ensemble, refine the student.

For each input the trained student beam-searches candidates; every weak model scores every candidate
(length-normalised log-probability in its own tokenizer) and the λ-weighted score ranks them: the best
is *chosen*, the worst *rejected*. The frozen pre-DPO student is the reference (its sequence
log-probabilities are computed once, before training). Loss and reward statistics: ``ws2s.losses.dpo``.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from ..losses import dpo
from ..train.loop import train
from .beam import beam_search
from .joint import combine
from .scoring import text_logprobs, token_logprobs


def preference_pairs(student, memory, sources: list[str], weak_models: list, weights: torch.Tensor,
                     candidates: int, max_len: int) -> list[tuple[int, list[int], list[int]]]:
    """``(row, chosen_ids, rejected_ids)`` per input with at least two distinct candidates."""
    nbest = beam_search(student, memory, beam_size=candidates, max_len=max_len)
    texts = [[student.tokenizer.decode(h.ids) for h in hyps] for hyps in nbest]
    rows = [i for i, t in enumerate(texts) for _ in t]
    flat = [x for t in texts for x in t]
    scores = []
    for m in weak_models:
        lps = text_logprobs(m, m.encode(sources), rows, flat)
        scores.append(torch.tensor([float(lp.mean()) for lp in lps]))
    combined = combine(torch.stack(scores, 1), weights)
    pairs, at = [], 0
    for i, hyps in enumerate(nbest):
        s = combined[at : at + len(hyps)]
        at += len(hyps)
        if len(set(texts[i])) < 2:
            continue
        best, worst = int(s.argmax()), int(s.argmin())
        if texts[i][best] != texts[i][worst]:
            pairs.append((i, hyps[best].ids, hyps[worst].ids))
    return pairs


def _seq_logprob(model, memory, rows, seqs, grad):
    return torch.stack([lp.sum() for lp in token_logprobs(model, memory, rows, seqs, grad=grad)])


def dpo_stage(student, memory, sources: list[str], weak_models: list, weights: torch.Tensor, cfg: dict,
              max_len: int, seed: int, device: torch.device, emit, key: str = "dpo"):
    """A DPO-refined copy of ``student`` and a summary (pairs, final reward statistics)."""
    student.eval()
    pairs = preference_pairs(student, memory, sources, weak_models, weights, int(cfg["candidates"]), max_len)
    if not pairs:
        emit({"type": "log", "level": "warning", "message": f"{key}: the student's candidates never differ; DPO skipped"})
        return student, {"pairs": 0}
    rows = [r for r, _, _ in pairs]
    chosen, rejected = [c for _, c, _ in pairs], [r for _, _, r in pairs]
    with torch.no_grad():
        ref_c, ref_r = _seq_logprob(student, memory, rows, chosen, False), _seq_logprob(student, memory, rows, rejected, False)
    policy = copy.deepcopy(student)
    last: dict = {}
    batch_size = int(cfg["batch_size"])

    def batches(epoch):
        order = np.random.default_rng(seed * 7919 + epoch).permutation(len(pairs))
        return [{"pair": torch.as_tensor(order[s : s + batch_size])} for s in range(0, len(pairs), batch_size)]

    def step(model, batch, progress):
        idx = batch["pair"].tolist()
        r = [rows[i] for i in idx]
        pc = _seq_logprob(model, memory, r, [chosen[i] for i in idx], True)
        pr = _seq_logprob(model, memory, r, [rejected[i] for i in idx], True)
        loss, stats = dpo(pc, pr, ref_c[idx].to(pc), ref_r[idx].to(pr), beta=float(cfg["beta"]),
                          label_smoothing=float(cfg["label_smoothing"]))
        last.update(stats)
        for name, value in stats.items():
            emit({"type": "metric", "key": f"{key}/{name}", "value": value, "step": step.count})
        step.count += 1
        return loss

    step.count = 0
    train(policy, batches, step, epochs=int(cfg["epochs"]), lr=float(cfg["lr"]), device=device, emit=emit, key=key)
    return policy, {"pairs": len(pairs), **{k: v for k, v in last.items() if not k.startswith("_")}}
