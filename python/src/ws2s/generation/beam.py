"""Batched beam search returning N-best hypotheses with per-token log-probabilities."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .models import Memory, select


@dataclass
class Hypothesis:
    """``ids``: target tokens without bos, ending with eos when ``finished``; ``token_logprobs`` aligned with ``ids``."""

    ids: list[int]
    token_logprobs: list[float]
    finished: bool = True

    @property
    def logprob(self) -> float:
        return float(sum(self.token_logprobs))

    @property
    def norm_logprob(self) -> float:
        """Length-normalised log-probability (per token, eos included)."""
        return self.logprob / max(1, len(self.ids))

    def score(self, length_penalty: float = 0.0) -> float:
        """The beam's ranking score: log-probability / length ** ``length_penalty`` (tokens, eos included)."""
        return penalised(self.logprob, len(self.ids), length_penalty)


def penalised(logprob: float, length: int, length_penalty: float) -> float:
    """``logprob / length ** length_penalty`` (Hugging Face's ``length_penalty``): 0 ranks by total log-probability,
    which favours short outputs (every token costs); 1 by log-probability per token."""
    return logprob / max(1, length) ** length_penalty if length_penalty else logprob


@torch.no_grad()
def beam_search(model, memory: Memory, beam_size: int = 4, n_best: int | None = None, max_len: int = 48,
                batch_size: int = 64, use_cache: bool = True, length_penalty: float = 0.0) -> list[list[Hypothesis]]:
    """N-best lists (best first by ``Hypothesis.score(length_penalty)``) for every row of ``memory``.

    Live beams are ranked by the sum of token log-probabilities; finished hypotheses by that sum divided by
    their length ** ``length_penalty`` (Hugging Face's convention; 0, the default, is the plain sum).
    A search stops for an example once its ``n_best`` finished hypotheses all beat the best score any live
    beam could still reach: its sum of log-probabilities s (which only falls as a beam grows) over the
    longest length it could reach, s / max_len ** ``length_penalty`` (= s when the penalty is 0). With
    ``beam_size`` ≥ the number of live prefixes the search is exact. (Hugging Face's default heuristic, s over
    the *current* length, stops a search at the first step where the empty hypothesis leads, which is the
    failure a length penalty is meant to fix.) Beams still live at ``max_len`` are returned with ``finished=False``.

    Models that offer incremental decoding (``init_state(memory)``, ``step(state, tokens [B]) ->
    (logits [B, V], state)``, ``reorder_state(state, index)``: the HF adapters, through the LM's
    ``past_key_values``) are decoded one new token per beam and step with ``use_cache``; the others
    (and ``use_cache=False``) re-run the whole prefix every step. Both give the same hypotheses.
    """
    n_best = n_best or beam_size
    rows = next(iter(memory.values())).shape[0]
    cached = use_cache and hasattr(model, "init_state")
    out: list[list[Hypothesis]] = []
    for start in range(0, rows, batch_size):
        index = torch.arange(start, min(rows, start + batch_size))
        out.extend(_search(model, select(memory, index), beam_size, n_best, max_len, cached, float(length_penalty)))
    return out


def _search(model, memory: Memory, k: int, n_best: int, max_len: int, cached: bool, alpha: float) -> list[list[Hypothesis]]:
    tok = model.tokenizer
    b = next(iter(memory.values())).shape[0]
    contextualize = getattr(model, "contextualize", None)  # per-source work done once, not at every step
    if contextualize is not None and not cached:
        memory = contextualize(memory)
    # per example: (ids, token_logprobs, score, row): row = the beam's row in the cached state's batch
    live = [[([], [], 0.0, i)] for i in range(b)]
    done: list[list[Hypothesis]] = [[] for _ in range(b)]
    state = model.init_state(memory) if cached else None
    for _ in range(max_len):
        active = [i for i in range(b) if live[i] and not _settled(done[i], live[i], n_best, alpha, max_len)]
        if not active:
            break
        flat = [(i, beam) for i in active for beam in live[i]]
        if cached:
            state = model.reorder_state(state, torch.tensor([beam[3] for _, beam in flat]))
            last = torch.tensor([beam[0][-1] if beam[0] else tok.bos_id for _, beam in flat], device=model.device)
            logits, state = model.step(state, last)
        else:
            prefixes = torch.tensor([[tok.bos_id] + beam[0] for _, beam in flat], device=model.device)
            logits = model(select(memory, torch.tensor([i for i, _ in flat])), prefixes, last_only=True)[:, -1]
        logp = torch.log_softmax(logits.float(), -1)
        top_lp, top_id = logp.topk(min(k + 1, logp.shape[-1]), dim=-1)
        candidates: dict[int, list] = {i: [] for i in active}
        for row, (i, (ids, lps, score, _)) in enumerate(flat):
            for lp, t in zip(top_lp[row].tolist(), top_id[row].tolist()):
                candidates[i].append((score + lp, ids + [t], lps + [lp], row))
        for i in range(b):
            if i not in candidates:
                continue
            live[i] = []
            for score, ids, lps, row in sorted(candidates[i], key=lambda c: -c[0]):
                if ids[-1] == tok.eos_id:
                    done[i].append(Hypothesis(ids, lps))
                elif len(live[i]) < k:
                    live[i].append((ids, lps, score, row))
    for i in range(b):
        done[i].extend(Hypothesis(ids, lps, finished=False) for ids, lps, _, _ in live[i])
        done[i] = sorted(done[i], key=lambda h: -h.score(alpha))[:n_best]
    return done


def _settled(done: list[Hypothesis], live: list, n_best: int, alpha: float, max_len: int) -> bool:
    if len(done) < n_best:
        return False
    worst_kept = sorted(h.score(alpha) for h in done)[-n_best]
    # a live beam's sum s ≤ 0 only falls; divided by at most max_len ** alpha it can reach s / max_len ** alpha at best
    return max(penalised(beam[2], max_len, alpha) for beam in live) < worst_kept if live else True
