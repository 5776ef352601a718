"""The DPO stage: Bayesian conservative DPO of a trained student against the weak ensemble.

Pairs (``pairs``):
- ``"disagree"`` (default): for each strong_train input where the joint weak label and the student's own
  best hypothesis differ, the two texts; the weak ensemble's λ-weighted per-word score
  (``scoring.word_scores``) decides which is preferred.
- ``"weak_rank"``: the student's beam candidates ranked by that score: best chosen, worst rejected.

Pairs whose two sides differ in a word some weak model reads as its unknown token are left out
(``unknown_words: "drop"``, the default): no member has evidence about such a word — typically a slot
value the student copied from the source that weak_train never showed — so the ensemble's preference
there is not a judgement but a vocabulary gap (``"keep"`` judges them anyway).

Each pair's label smoothing ε_i (``label_smoothing: "uncertainty"``) is the ensemble's probability that
its preference is the wrong way round: member k prefers the chosen side with probability σ(d_k), d_k the
difference of its per-word scores, and ε_i = 1 − Σ_k λ_k σ(d_k) (clipped to [0, 0.49]); a number is
plain conservative DPO (the same ε for every pair).

Policy and reference are scored in the same mode (eval: dropout off), so at step 0 every reward is 0.
DPO alone pushes both likelihoods down at a supervised-scale lr; ``sft_coef`` adds the chosen side's
per-token negative log-likelihood (RPO-style anchor). Reward statistics over all pairs are logged per
epoch, scored after the epoch with the policy in eval mode.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from ..losses import dpo
from ..train.loop import train
from .beam import beam_search
from .joint import combine
from .scoring import token_logprobs, word_scores

UNK = "<unk>"


def _ensemble_scores(weak_models: list, sources: list[str], rows: list[int], texts: list[str]) -> torch.Tensor:
    """Per-word score of each text under each weak model ``[n, K]``."""
    return torch.stack([word_scores(m, m.encode(sources), rows, texts) for m in weak_models], 1)


def unknown_words(weak_models: list, text: str) -> list[str]:
    """The words of ``text`` that some weak model reads as (or with) its unknown token, sorted."""
    out = []
    for w in text.split():
        for m in weak_models:
            unk = getattr(m.tokenizer, "unk_id", None)
            if unk is not None and unk in m.tokenizer.encode(w):
                out.append(w)
                break
    return sorted(out)


def preference_pairs(student, memory, sources: list[str], weak_models: list, weights: torch.Tensor, candidates: int,
                     max_len: int, mode: str = "disagree", labels: list[str] | None = None,
                     unknown: str = "drop") -> list[dict]:
    """One ``{row, chosen, rejected (student ids), p (ensemble probability that chosen is preferred)}`` per pair;
    with ``unknown`` "drop", none whose sides differ in a word a weak model cannot read."""
    if unknown not in ("drop", "keep"):
        raise ValueError(f"dpo.unknown_words {unknown!r} is unknown; use 'drop' or 'keep'")
    nbest = beam_search(student, memory, beam_size=candidates, max_len=max_len)
    tok = student.tokenizer
    if mode == "disagree":
        if labels is None or len(labels) != len(sources):
            raise ValueError("dpo.pairs 'disagree' needs the joint weak label of every strong_train input")
        cands = [[labels[i], tok.decode(h[0].ids)] if h else [labels[i]] for i, h in enumerate(nbest)]
    elif mode == "weak_rank":
        cands = [list(dict.fromkeys(tok.decode(h.ids) for h in hyps)) for hyps in nbest]
    else:
        raise ValueError(f"dpo.pairs {mode!r} is unknown; use 'disagree' or 'weak_rank'")
    # texts with <unk> (a weak model's unknown word) cannot be written in the student's tokens: left out
    cands = [[t for t in dict.fromkeys(c) if UNK not in t.split()] for c in cands]
    rows = [i for i, c in enumerate(cands) for _ in c]
    flat = [t for c in cands for t in c]
    if not flat:
        return []
    per_member = _ensemble_scores(weak_models, sources, rows, flat)  # [n, K]
    combined = combine(per_member, weights)
    lam = weights.double() / weights.double().sum()
    pairs, at = [], 0
    for i, c in enumerate(cands):
        s, m = combined[at : at + len(c)], per_member[at : at + len(c)]
        at += len(c)
        if len(c) < 2:
            continue
        best, worst = int(s.argmax()), int(s.argmin())
        if unknown == "drop" and unknown_words(weak_models, c[best]) != unknown_words(weak_models, c[worst]):
            continue
        p = float(torch.sigmoid(m[best] - m[worst]) @ lam)
        pairs.append({"row": i, "chosen": tok.encode(c[best]) + [tok.eos_id], "rejected": tok.encode(c[worst]) + [tok.eos_id],
                      "p": p, "chosen_is_label": mode == "disagree" and best == 0})
    return pairs


def pair_epsilons(pairs: list[dict], label_smoothing) -> torch.Tensor:
    """ε_i per pair: 1 − p_i (clipped to [0, 0.49]) for "uncertainty", else the given number."""
    if label_smoothing == "uncertainty":
        return torch.tensor([min(max(1.0 - p["p"], 0.0), 0.49) for p in pairs], dtype=torch.float32)
    eps = float(label_smoothing)
    if not 0 <= eps < 0.5:
        raise ValueError(f"dpo.label_smoothing {label_smoothing!r}: use 'uncertainty' or a number in [0, 0.5)")
    return torch.full((len(pairs),), eps)


def _seq_logprob(model, memory, rows, seqs, grad):
    return torch.stack([lp.sum() for lp in token_logprobs(model, memory, rows, seqs, grad=grad)])


def dpo_stage(student, memory, sources: list[str], weak_models: list, weights: torch.Tensor, cfg: dict,
              max_len: int, seed: int, device: torch.device, emit, key: str = "dpo", labels: list[str] | None = None):
    """A DPO-refined copy of ``student`` and a summary (pairs, per-epoch and final reward statistics)."""
    student.eval()
    pairs = preference_pairs(student, memory, sources, weak_models, weights, int(cfg["candidates"]), max_len,
                             cfg.get("pairs", "disagree"), labels, cfg.get("unknown_words", "drop"))
    if not pairs:
        emit({"type": "log", "level": "warning", "message": f"{key}: no preference pairs (the candidates never differ); DPO skipped"})
        return student, {"pairs": 0}
    rows = [p["row"] for p in pairs]
    chosen, rejected = [p["chosen"] for p in pairs], [p["rejected"] for p in pairs]
    eps = pair_epsilons(pairs, cfg.get("label_smoothing", 0.1))
    beta, sft = float(cfg["beta"]), float(cfg.get("sft_coef", 0.0))
    with torch.no_grad():
        ref_c, ref_r = _seq_logprob(student, memory, rows, chosen, False), _seq_logprob(student, memory, rows, rejected, False)
    n_chosen = torch.tensor([len(c) for c in chosen], dtype=torch.float32)
    policy = copy.deepcopy(student)
    batch_size = int(cfg["batch_size"])

    def batches(epoch):
        order = np.random.default_rng(seed * 7919 + epoch).permutation(len(pairs))
        return [{"pair": torch.as_tensor(order[s : s + batch_size])} for s in range(0, len(pairs), batch_size)]

    def loss_of(model, idx, grad):
        r = [rows[i] for i in idx]
        pc = _seq_logprob(model, memory, r, [chosen[i] for i in idx], grad)
        pr = _seq_logprob(model, memory, r, [rejected[i] for i in idx], grad)
        loss, stats = dpo(pc, pr, ref_c[idx].to(pc), ref_r[idx].to(pr), beta=beta, label_smoothing=eps[idx].to(pc))
        nll = -(pc / n_chosen[idx].to(pc)).mean()
        stats["logp_chosen"], stats["logp_rejected"] = float(pc.detach().mean()), float(pr.detach().mean())
        return loss + sft * nll, stats

    def step(model, batch, progress):
        model.eval()  # the same mode as the reference: dropout would bias the rewards against the chosen side
        loss, stats = loss_of(model, batch["pair"].tolist(), True)
        for name, value in stats.items():
            emit({"type": "metric", "key": f"{key}/{name}", "value": value, "step": step.count})
        step.count += 1
        return loss

    def over_all_pairs(model) -> dict:
        totals: dict[str, float] = {}
        for s in range(0, len(pairs), 256):
            idx = list(range(s, min(s + 256, len(pairs))))
            loss, stats = loss_of(model, idx, False)
            for k, v in {**stats, "loss": float(loss)}.items():
                totals[k] = totals.get(k, 0.0) + v * len(idx)
        return {k: v / len(pairs) for k, v in totals.items()}

    epochs: list[dict] = []

    def evaluate(model):
        stats = over_all_pairs(model)
        epochs.append({"epoch": len(epochs), "reward_accuracy": stats["rewards/accuracies"], "reward_margin": stats["rewards/margins"],
                       "loss": stats["loss"]})
        emit({"type": "log", "level": "info", "message": f"{key} epoch {len(epochs) - 1}: reward accuracy {stats['rewards/accuracies']:.3f}, "
              f"margin {stats['rewards/margins']:+.3f}, log p chosen {stats['logp_chosen']:.2f}, rejected {stats['logp_rejected']:.2f}"})
        return {"score": None}  # no selection: the training loop keeps the last epoch

    step.count = 0
    train(policy, batches, step, epochs=int(cfg["epochs"]), lr=float(cfg["lr"]), device=device, emit=emit, key=key,
          evaluate=evaluate)
    final = over_all_pairs(policy.eval())
    info = {"pairs": len(pairs), **{k: final[k] for k in ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies")},
            "epochs": epochs, "chosen_label": float(np.mean([p["chosen_is_label"] for p in pairs])),
            "epsilon_mean": float(eps.mean())}
    return policy, info
