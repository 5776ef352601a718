"""Stage "eval": decode test, slot F1 / exact match per model, PGR on F1 with bootstrap CIs over seeds."""

from __future__ import annotations

from ..metrics import bootstrap_ci, pgr_report, pgr_with_ci, slot_f1
from .beam import beam_search
from .frames import text_to_frame
from .tasks import Example


def decode(model, memory, beam_size: int, max_len: int) -> list[str]:
    return [model.tokenizer.decode(h[0].ids) if h else "" for h in beam_search(model, memory, beam_size, 1, max_len)]


def score_texts(texts: list[str], gold: list[Example]) -> dict:
    return slot_f1([text_to_frame(t) for t in texts], [text_to_frame(e.target) for e in gold])


def seed_report(seed: int, weak: dict, joint: dict, ceiling: dict, students: dict) -> dict:
    """weak: member → scores; joint, ceiling: scores; students: method → scores (each with "f1")."""
    weak_mean = {k: sum(w[k] for w in weak.values()) / len(weak) for k in ("precision", "recall", "f1", "exact_match")}
    out = {}
    for name, s in students.items():
        out[name] = {**s, "pgr_vs_weak_mean": pgr_report(weak_mean["f1"], s["f1"], ceiling["f1"]),
                     "pgr_vs_ensemble": pgr_report(joint["f1"], s["f1"], ceiling["f1"])}
    flags = []
    if ceiling["f1"] <= weak_mean["f1"]:
        flags.append(f"seed {seed}: ceiling F1 {ceiling['f1']:.3f} does not beat mean weak F1 {weak_mean['f1']:.3f}; PGR undefined")
    return {"seed": seed, "weak": weak, "weak_mean": weak_mean, "ensemble": joint, "ceiling": ceiling,
            "students": out, "flags": flags}


def _ci(values: list[float]) -> dict:
    ci = bootstrap_ci(values)
    return {"mean": ci.estimate, "low": ci.low, "high": ci.high, "per_seed": values}


def summarise(per_seed: list[dict], rows: list[tuple[str, str]]) -> dict:
    """rows: (student name, loss) in report order. PGR is on slot F1, vs mean weak and vs the joint ensemble."""
    weak = [s["weak_mean"]["f1"] for s in per_seed]
    ens = [s["ensemble"]["f1"] for s in per_seed]
    ceil = [s["ceiling"]["f1"] for s in per_seed]
    out = {"metric": "f1", "weak_mean": _ci(weak), "ensemble": _ci(ens), "ceiling": _ci(ceil), "methods": {}}
    for name, loss in rows:
        f1 = [s["students"][name]["f1"] for s in per_seed]
        out["methods"][name] = {
            "loss": loss,
            "f1": _ci(f1),
            "exact_match": _ci([s["students"][name]["exact_match"] for s in per_seed]),
            "pgr": pgr_with_ci(weak, f1, ceil),
            "pgr_vs_ensemble": pgr_with_ci(ens, f1, ceil),
        }
    finite = {n: m["pgr"]["pgr"] for n, m in out["methods"].items() if m["pgr"]["pgr"] == m["pgr"]["pgr"]}
    out["best_method"] = max(finite, key=finite.get) if finite else None
    return out


def _fmt(ci: dict) -> str:
    if ci.get("mean") is None:
        return "n/a"
    return f"{ci['mean']:.3f} [{ci['low']:.3f}, {ci['high']:.3f}]"


def format_table(results: dict) -> str:
    """A Markdown table: slot F1 (mean, 95% bootstrap CI over seeds) and PGR on F1 for every method."""
    s = results["summary"]
    lines = ["| model | loss | slot F1 | exact match | PGR (vs mean weak) | PGR (vs joint) |", "|---|---|---|---|---|---|"]
    per_seed = results["per_seed"]
    for name in per_seed[0]["weak"]:
        lines.append(f"| weak: {name} | | {_fmt(_ci([p['weak'][name]['f1'] for p in per_seed]))} | "
                     f"{_fmt(_ci([p['weak'][name]['exact_match'] for p in per_seed]))} | | |")
    lines.append(f"| weak mean | | {_fmt(s['weak_mean'])} | | | |")
    lines.append(f"| weak joint decoding | | {_fmt(s['ensemble'])} | {_fmt(_ci([p['ensemble']['exact_match'] for p in per_seed]))} | | |")
    lines.append(f"| ceiling (gold) | xent | {_fmt(s['ceiling'])} | {_fmt(_ci([p['ceiling']['exact_match'] for p in per_seed]))} | | |")
    for name, m in s["methods"].items():
        pg, pe = m["pgr"], m["pgr_vs_ensemble"]
        pgr = "n/a" if pg["pgr"] is None else f"{pg['pgr']:.2f} [{pg['low']:.2f}, {pg['high']:.2f}]"
        pge = "n/a" if pe["pgr"] is None else f"{pe['pgr']:.2f} [{pe['low']:.2f}, {pe['high']:.2f}]"
        lines.append(f"| student: {name} | {m['loss']} | {_fmt(m['f1'])} | {_fmt(m['exact_match'])} | {pgr} | {pge} |")
    dpo = [p["dpo"] for p in per_seed if p.get("dpo")]
    if dpo:
        keys = ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies")
        stats = ", ".join(f"{k} {sum(d.get(k, 0) for d in dpo) / len(dpo):.3f}" for k in keys)
        delta = sum(d["after_f1"] - d["before_f1"] for d in dpo) / len(dpo)
        lines.append("")
        lines.append(f"DPO on {dpo[0]['from']}: slot F1 {delta:+.3f} on average over {len(dpo)} seed(s) "
                     f"({sum(d['pairs'] for d in dpo) / len(dpo):.0f} pairs per seed; last batch {stats})")
    return "\n".join(lines)
