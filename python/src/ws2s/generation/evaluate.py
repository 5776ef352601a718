"""Stage "eval": decode test, slot F1 / exact match per model and seed (summaries: ``ws2s.recipe``)."""

from __future__ import annotations

from ..metrics import pgr_report, slot_f1
from ..metrics.slu import slu_f1
from .beam import beam_search
from .frames import frame_rates, text_to_frame
from .tasks import Example


def decode(model, memory, beam_size: int, max_len: int, length_penalty: float = 0.0) -> list[str]:
    """Each row's best hypothesis as text ("" when none)."""
    nbest = beam_search(model, memory, beam_size, 1, max_len, length_penalty=length_penalty)
    return [model.tokenizer.decode(h[0].ids) if h else "" for h in nbest]


SCORES = ("precision", "recall", "f1", "exact_match", "slu_f1", "word_f1", "char_f1", "empty_frames", "malformed_frames")


def eval_beam(config: dict) -> int:
    """The one beam every model's test outputs are decoded with: ``eval_beam_size``, default ``joint.beam_size``."""
    return int(config.get("eval_beam_size") or config["joint"]["beam_size"])


def length_penalty(config: dict) -> float:
    """The one length penalty of every beam search (``length_penalty``, default 0: rank by total log-probability)."""
    return float(config.get("length_penalty", 0.0))


def score_texts(texts: list[str], gold: list[Example]) -> dict:
    """Exact (type, value) precision/recall/F1 and exact match, SLURP's SLU-F1 with its word and char F1, and
    the fractions of outputs that are empty or malformed frames (``frames.frame_status``)."""
    pred, ref = [text_to_frame(t) for t in texts], [text_to_frame(e.target) for e in gold]
    slu = slu_f1(pred, ref)
    return {**slot_f1(pred, ref), **{k: slu[k] for k in ("slu_f1", "word_f1", "char_f1")}, **frame_rates(texts)}


def seed_report(seed: int, weak: dict, joint: dict, ceiling: dict, students: dict) -> dict:
    """weak: member → scores; joint, ceiling: scores; students: method → scores (each with "f1")."""
    weak_mean = {k: sum(w[k] for w in weak.values()) / len(weak) for k in SCORES}
    out = {}
    for name, s in students.items():
        out[name] = {**s, "pgr_vs_weak_mean": pgr_report(weak_mean["f1"], s["f1"], ceiling["f1"]),
                     "pgr_vs_ensemble": pgr_report(joint["f1"], s["f1"], ceiling["f1"])}
    flags = []
    if ceiling["f1"] <= weak_mean["f1"]:
        flags.append(f"seed {seed}: ceiling F1 {ceiling['f1']:.3f} does not beat mean weak F1 {weak_mean['f1']:.3f}; PGR undefined")
    return {"seed": seed, "weak": weak, "weak_mean": weak_mean, "ensemble": joint, "ceiling": ceiling,
            "students": out, "flags": flags}
