"""Stage "eval": metrics per model and seed, PGR with bootstrap CIs over seeds, per-example predictions."""

from __future__ import annotations

import math

import numpy as np
import torch

from ws2s.metrics import accuracy, agreement_split, auroc, bootstrap_ci, ece, pgr_report, pgr_with_ci


def scores(probs: torch.Tensor, labels: torch.Tensor) -> dict:
    return {"accuracy": accuracy(probs, labels), "auroc": auroc(probs, labels), "ece": ece(probs, labels)}


def seed_report(seed: int, data, weak: dict, ceiling_probs, students: dict) -> dict:
    """Everything measured on test for one seed. ``students``: name -> {"probs", "uncertainty", "weak_probs"}."""
    y = data.labels("test")
    members = {n: {**scores(w["probs"]["test"], y), "holdout_accuracy": w["holdout_accuracy"]} for n, w in weak.items()}
    ens_probs = torch.stack([w["probs"]["test"] for w in weak.values()]).mean(0)
    weak_mean = {k: float(np.mean([m[k] for m in members.values()])) for k in ("accuracy", "auroc", "ece")}
    ensemble, ceiling = scores(ens_probs, y), scores(ceiling_probs, y)
    out_students = {}
    for name, s in students.items():
        r = scores(s["probs"], y)
        r["pgr_vs_weak_mean"] = pgr_report(weak_mean["accuracy"], r["accuracy"], ceiling["accuracy"])
        r["pgr_vs_ensemble"] = pgr_report(ensemble["accuracy"], r["accuracy"], ceiling["accuracy"])
        r["agreement"] = agreement_split(s["probs"], s["weak_probs"], y)
        if s["uncertainty"] is not None:
            u, right = s["uncertainty"], s["probs"].argmax(-1) == y
            r["uncertainty"] = {"mean": float(u.mean()), "when_right": float(u[right].mean()) if right.any() else None,
                                "when_wrong": float(u[~right].mean()) if (~right).any() else None}
        out_students[name] = r
    flags = []
    if ceiling["accuracy"] <= weak_mean["accuracy"]:
        flags.append(f"seed {seed}: ceiling accuracy {ceiling['accuracy']:.3f} does not beat mean weak {weak_mean['accuracy']:.3f}; PGR undefined")
    return {"seed": seed, "weak": members, "weak_mean": weak_mean, "ensemble": ensemble, "ceiling": ceiling,
            "students": out_students, "flags": flags}


def _ci(values: list[float]) -> dict:
    ci = bootstrap_ci(values)
    return {"mean": ci.estimate, "low": ci.low, "high": ci.high, "per_seed": values}


def summarise(per_seed: list[dict], methods: list[dict]) -> dict:
    """Means with bootstrap CIs over seeds; PGR of mean scores with CI, vs mean weak and vs ensemble."""
    def get(path: str) -> list[float]:
        return [_dig(s, path) for s in per_seed]

    weak_acc, ens_acc, ceil_acc = get("weak_mean.accuracy"), get("ensemble.accuracy"), get("ceiling.accuracy")
    out = {"weak_mean": _ci(weak_acc), "ensemble": _ci(ens_acc), "ceiling": _ci(ceil_acc), "methods": {}}
    for m in methods:
        acc = get(f"students.{m['name']}.accuracy")
        out["methods"][m["name"]] = {
            "loss": m["loss"],
            "accuracy": _ci(acc),
            "auroc": _ci(get(f"students.{m['name']}.auroc")),
            "ece": _ci(get(f"students.{m['name']}.ece")),
            "pgr": pgr_with_ci(weak_acc, acc, ceil_acc),
            "pgr_vs_ensemble": pgr_with_ci(ens_acc, acc, ceil_acc),
        }
    ranked = sorted(out["methods"], key=lambda n: -_finite(out["methods"][n]["pgr"]["pgr"]))
    out["best_method"] = ranked[0] if ranked else None
    return out


def _finite(x) -> float:
    return x if isinstance(x, (int, float)) and math.isfinite(x) else -math.inf


def _dig(d: dict, path: str):
    for part in path.split("."):
        d = d[part]
    return d


def example_rows(seed: int, data, weak: dict, students: dict) -> list[dict]:
    """One row per test example: text, gold, each weak label + confidence, ensemble, each student (+ uncertainty)."""
    classes = data.dataset.classes
    texts, y = data.texts("test"), data.labels("test")
    ens = torch.stack([w["probs"]["test"] for w in weak.values()]).mean(0)
    rows = []
    for i, text in enumerate(texts):
        def pred(p):
            return {"label": classes[int(p.argmax())], "confidence": round(float(p.max()), 4)}

        row = {"seed": seed, "split": "test", "index": int(data.idx["test"][i]), "text": text, "gold": classes[int(y[i])],
               "weak": {n: pred(w["probs"]["test"][i]) for n, w in weak.items()}, "ensemble": pred(ens[i]), "students": {}}
        for name, s in students.items():
            row["students"][name] = pred(s["probs"][i])
            if s["uncertainty"] is not None:
                row["students"][name]["uncertainty"] = round(float(s["uncertainty"][i]), 4)
        rows.append(row)
    return rows


def json_safe(x):
    """NaN/inf → None (JSON has no NaN), numpy scalars → Python."""
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def format_table(results: dict) -> str:
    """The summary as a text table: weak members, ensemble, ceiling, every method (accuracy, PGR with 95% CIs)."""

    def ci(d: dict, key: str = "mean") -> str:
        if d.get(key) is None:
            return "n/a (flagged)"
        return f"{d[key]:.3f} [{d['low']:.3f}, {d['high']:.3f}]"

    s, per_seed = results["summary"], results["per_seed"]
    lines = [f"{'model / method':<22} {'test accuracy (95% CI)':<28} {'PGR vs mean weak (95% CI)':<28} {'PGR vs ensemble (95% CI)':<28}",
             f"{'weak members (mean)':<22} {ci(s['weak_mean'])}"]
    for name in per_seed[0]["weak"]:
        accs = [p["weak"][name]["accuracy"] for p in per_seed]
        lines.append(f"{'  ' + name:<22} {sum(accs) / len(accs):.3f}")
    lines += [f"{'weak ensemble':<22} {ci(s['ensemble'])}", f"{'strong ceiling':<22} {ci(s['ceiling'])}"]
    for name, m in s["methods"].items():
        lines.append(f"{'student ' + name:<22} {ci(m['accuracy']):<28} {ci(m['pgr'], 'pgr'):<28} {ci(m['pgr_vs_ensemble'], 'pgr'):<28}")
    lines.append(f"best method: {s['best_method']}; seeds {results['seeds']}; device {results['device']}")
    lines += [f"flag: {f}" for f in results["flags"]]
    return "\n".join(lines)
