"""The DPO stage: Bayesian conservative DPO of a trained student against the weak ensemble, as the co-authors run it.

Pairs (``pairs``):
- ``"weak_rank"`` (default; the co-authors' ``train_weak_to_strong_dpo.py``): the student's own N-best
  (``candidates``, 10) for each strong_train input, ranked by the weak ensemble's λ-weighted per-word score
  (``scoring.word_scores``): the best is chosen, the worst rejected.
- ``"disagree"``: (joint weak label, the student's 1-best) where they differ, ranked by the same score. This is
  circular: the joint label is the argmax of that very score over the members' N-best, so it is nearly always the
  chosen side, and DPO becomes more teacher forcing on the weak labels. Kept for comparison.

Pairs whose two sides differ in a word some weak model reads as its unknown token are left out
(``unknown_words: "drop"``, the default): no member has evidence about such a word — typically a slot
value the student copied from the source that weak_train never showed — so the ensemble's preference
there is not a judgement but a vocabulary gap (``"keep"`` judges them anyway).

Each pair's label smoothing ε_i (``label_smoothing: "uncertainty"``, the default) is the ensemble's probability
that its preference is the wrong way round: member k prefers the chosen side with probability σ(d_k), d_k the
difference of its per-word scores (chosen − rejected), and ε_i = 1 − Σ_k λ_k σ(d_k), clipped to [0, 0.49]
(members agreeing by a wide margin: ε → 0; a split or a narrow margin: ε → 0.49, a pair that hardly counts).
A number is plain conservative DPO (the same ε for every pair).

The reference is the frozen student before DPO; policy and reference are scored in the same mode (eval: dropout
off), so at step 0 every reward is 0. No SFT term by default (``sft_coef`` adds the chosen side's per-token NLL,
RPO-style). The lr defaults to the SFT lr / 100 (pipeline). Stopping (``select: "val_preference"``): after every
epoch the policy's *weak-preference accuracy* over val pairs — built from the student's N-best on val exactly as
the training pairs ("weak_rank" either way), weak scores only, never gold — is the fraction of pairs where the
policy gives the weak-chosen side the higher sequence log-probability; the epoch with the highest is kept, and the
student before DPO when no epoch beats it (``"last"`` keeps the last epoch).
"""


from __future__ import annotations

import copy

import numpy as np
import torch

from ..losses import dpo
from ..metrics import slot_f1
from ..train.loop import train
from .beam import beam_search
from .frames import text_to_frame
from .joint import combine
from .scoring import token_logprobs, word_scores

UNK = "<unk>"


def _ensemble_scores(weak_models: list, sources: list[str], rows: list[int], texts: list[str]) -> torch.Tensor:
    """Per-word score of each text under each weak model ``[n, K]`` (in eval mode: dropout would make it random)."""
    for m in weak_models:
        m.eval()
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
                     max_len: int, mode: str = "weak_rank", labels: list[str] | None = None,
                     unknown: str = "drop", length_penalty: float = 0.0) -> list[dict]:
    """One ``{row, chosen, rejected (student ids), chosen_text, rejected_text, p (ensemble probability that chosen is
    preferred), chosen_is_label}`` per pair; with ``unknown`` "drop", none whose sides differ in a word a weak model
    cannot read. The student's N-best is decoded with ``length_penalty`` (the one setting of every beam search)."""
    if unknown not in ("drop", "keep"):
        raise ValueError(f"dpo.unknown_words {unknown!r} is unknown; use 'drop' or 'keep'")
    if mode not in PAIRS:
        raise ValueError(f"dpo.pairs {mode!r} is unknown; use {' or '.join(map(repr, PAIRS))}")
    if mode == "disagree" and (labels is None or len(labels) != len(sources)):
        raise ValueError("dpo.pairs 'disagree' needs the joint weak label of every strong_train input")
    nbest = beam_search(student, memory, beam_size=candidates, max_len=max_len, length_penalty=length_penalty)
    tok = student.tokenizer
    if mode == "disagree":
        cands = [[labels[i], tok.decode(h[0].ids)] if h else [labels[i]] for i, h in enumerate(nbest)]
    else:
        cands = [[tok.decode(h.ids) for h in hyps] for hyps in nbest]
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
        if best == worst:
            continue
        if unknown == "drop" and unknown_words(weak_models, c[best]) != unknown_words(weak_models, c[worst]):
            continue
        p = float(torch.sigmoid(m[best] - m[worst]).double() @ lam)
        pairs.append({"row": i, "chosen": tok.encode(c[best]) + [tok.eos_id], "rejected": tok.encode(c[worst]) + [tok.eos_id],
                      "chosen_text": c[best], "rejected_text": c[worst], "p": p,
                      "chosen_is_label": mode == "disagree" and best == 0})
    return pairs


PAIRS = ("weak_rank", "disagree")


def pair_epsilons(pairs: list[dict], label_smoothing) -> torch.Tensor:
    """ε_i per pair: 1 − p_i (clipped to [0, 0.49]) for "uncertainty", else the given number."""
    if label_smoothing == "uncertainty":
        return torch.tensor([min(max(1.0 - p["p"], 0.0), 0.49) for p in pairs], dtype=torch.float32)
    eps = float(label_smoothing)
    if not 0 <= eps < 0.5:
        raise ValueError(f"dpo.label_smoothing {label_smoothing!r}: use 'uncertainty' or a number in [0, 0.5)")
    return torch.full((len(pairs),), eps)


def gold_preference(pairs: list[dict], gold: list[str]) -> dict:
    """Diagnostic only (never used for training or selection): how often the weak ensemble's preference is right by
    gold. Per pair, each side's slot F1 against its input's gold frame; among the pairs where the two differ
    (``gold_decided``), the fraction whose chosen side has the higher F1 (``gold_accuracy``; None if none)."""
    decided = right = 0
    for p in pairs:
        ref = [text_to_frame(gold[p["row"]])]
        fc = slot_f1([text_to_frame(p["chosen_text"])], ref)["f1"]
        fr = slot_f1([text_to_frame(p["rejected_text"])], ref)["f1"]
        if fc != fr:
            decided += 1
            right += fc > fr
    return {"gold_decided": decided, "gold_accuracy": right / decided if decided else None}


def _seq_logprob(model, memory, rows, seqs, grad):
    return torch.stack([lp.sum() for lp in token_logprobs(model, memory, rows, seqs, grad=grad)])


@torch.no_grad()
def _logprobs(model, memory, pairs: list[dict]) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequence log-probabilities of every pair's chosen and rejected side ``([n], [n])`` under ``model`` (eval)."""
    model.eval()
    rows = [p["row"] for p in pairs]
    out_c, out_r = [], []
    for s in range(0, len(pairs), 256):
        out_c.append(_seq_logprob(model, memory, rows[s : s + 256], [p["chosen"] for p in pairs[s : s + 256]], False))
        out_r.append(_seq_logprob(model, memory, rows[s : s + 256], [p["rejected"] for p in pairs[s : s + 256]], False))
    return torch.cat(out_c), torch.cat(out_r)


def preference_accuracy(model, memory, pairs: list[dict]) -> float:
    """Weak-preference accuracy: the fraction of ``pairs`` where ``model`` gives the weak-chosen side the higher
    sequence log-probability (ties count as wrong); 0 for no pairs."""
    if not pairs:
        return 0.0
    c, r = _logprobs(model, memory, pairs)
    return float((c > r).double().mean())


def dpo_stage(student, memory, sources: list[str], weak_models: list, weights: torch.Tensor, cfg: dict,
              max_len: int, seed: int, device: torch.device, emit, key: str = "dpo", labels: list[str] | None = None,
              val: tuple | None = None, gold: list[str] | None = None, length_penalty: float = 0.0):
    """A DPO-refined copy of ``student`` and a summary.

    ``val``: ``(memory, sources)`` of the val split, for the val pairs that pick the epoch (weak scores only);
    without it, or with ``cfg["select"]`` "last", the last epoch is kept. ``gold``: strong_train's gold frames, for
    the diagnostic ``gold_preference`` only. The summary holds the pairs used, the mean sequence log-probability of
    the chosen and rejected sides before and after (likelihood displacement), the val weak-preference accuracy
    before and after, the epoch kept, per-epoch and final reward statistics.
    """
    student.eval()
    mode, unknown = cfg.get("pairs", "weak_rank"), cfg.get("unknown_words", "drop")
    pairs = preference_pairs(student, memory, sources, weak_models, weights, int(cfg["candidates"]), max_len, mode, labels,
                             unknown, length_penalty)
    if not pairs:
        emit({"type": "log", "level": "warning", "message": f"{key}: no preference pairs (the candidates never differ); DPO skipped"})
        return student, {"pairs": 0}
    select = cfg.get("select", "val_preference") if val is not None else "last"
    val_pairs = []
    if select == "val_preference":
        val_pairs = preference_pairs(student, val[0], val[1], weak_models, weights, int(cfg["candidates"]), max_len,
                                     "weak_rank", None, unknown, length_penalty)
        if not val_pairs:
            select = "last"
    rows = [p["row"] for p in pairs]
    chosen, rejected = [p["chosen"] for p in pairs], [p["rejected"] for p in pairs]
    eps = pair_epsilons(pairs, cfg.get("label_smoothing", "uncertainty"))
    beta, sft = float(cfg["beta"]), float(cfg.get("sft_coef", 0.0))
    ref_c, ref_r = _logprobs(student, memory, pairs)
    val_before = preference_accuracy(student, val[0], val_pairs) if val_pairs else None
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
        stats["logp_chosen"], stats["logp_rejected"] = float(pc.detach().mean()), float(pr.detach().mean())
        if sft:
            loss = loss - sft * (pc / n_chosen[idx].to(pc)).mean()
        return loss, stats

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
        row = {"epoch": len(epochs), "reward_accuracy": stats["rewards/accuracies"], "reward_margin": stats["rewards/margins"],
               "loss": stats["loss"], "logp_chosen": stats["logp_chosen"], "logp_rejected": stats["logp_rejected"]}
        if val_pairs:
            row["val_preference_accuracy"] = preference_accuracy(model, val[0], val_pairs)
        epochs.append(row)
        val_msg = f", val weak-preference accuracy {row['val_preference_accuracy']:.3f}" if val_pairs else ""
        emit({"type": "log", "level": "info", "message": f"{key} epoch {row['epoch']}: reward accuracy {row['reward_accuracy']:.3f}, "
              f"margin {row['reward_margin']:+.3f}, log p chosen {row['logp_chosen']:.2f}, rejected {row['logp_rejected']:.2f}{val_msg}"})
        # the training loop keeps the epoch with the highest score (the first of equals); no score: the last epoch
        return {"score": row.get("val_preference_accuracy") if select == "val_preference" else None}

    step.count = 0
    trained = train(policy, batches, step, epochs=int(cfg["epochs"]), lr=float(cfg["lr"]), device=device, emit=emit, key=key,
                    evaluate=evaluate)
    kept = trained["best_epoch"] + 1  # epochs of DPO in the returned model
    if select == "val_preference" and epochs[trained["best_epoch"]]["val_preference_accuracy"] <= val_before:
        policy, kept = student, 0  # no epoch beat the student before DPO on val
        emit({"type": "log", "level": "info", "message": f"{key}: no epoch beat the student's val weak-preference accuracy "
              f"{val_before:.3f}; the student before DPO is kept"})
    final = over_all_pairs(policy.eval())
    after_c, after_r = _logprobs(policy, memory, pairs)
    info = {"pairs": len(pairs), "pairs_mode": mode, "val_pairs": len(val_pairs), "select": select, "epochs_kept": kept,
            **{k: final[k] for k in ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies")},
            "logp_chosen_before": float(ref_c.mean()), "logp_chosen_after": float(after_c.mean()),
            "logp_rejected_before": float(ref_r.mean()), "logp_rejected_after": float(after_r.mean()),
            "epochs": epochs, "chosen_label": float(np.mean([p["chosen_is_label"] for p in pairs])),
            "epsilon_mean": float(eps.mean())}
    if val_pairs:
        info["val_preference_before"] = val_before
        info["val_preference_after"] = preference_accuracy(policy, val[0], val_pairs)
    if gold is not None:
        info.update(gold_preference(pairs, gold))
    return policy, info
