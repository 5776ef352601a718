"""Stage "eval": metrics per model and seed, and per-example predictions (summaries: ``ws2s.recipe``)."""

from __future__ import annotations

import numpy as np
import torch

from ws2s.metrics import accuracy, agreement_split, auroc, ece, pgr_report
from ws2s.metrics.uncertainty import disagreement_auroc, uncertainty_report


def scores(probs: torch.Tensor, labels: torch.Tensor) -> dict:
    return {"accuracy": accuracy(probs, labels), "auroc": auroc(probs, labels), "ece": ece(probs, labels)}


def seed_report(seed: int, data, weak: dict, ceiling_probs, students: dict) -> dict:
    """Everything measured on test for one seed. ``students``: name -> {"probs", "uncertainty", "weak_probs"}."""
    y = data.labels("test")
    members = {n: {**scores(w["probs"]["test"], y), "holdout_accuracy": w["holdout_accuracy"]} for n, w in weak.items()}
    member_probs = torch.stack([w["probs"]["test"] for w in weak.values()], dim=1)  # [n, K, C]
    ens_probs = member_probs.mean(1)
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
            rep = uncertainty_report(u, s["probs"], y)  # does u flag the student's own errors on test?
            r["uncertainty"].update(error_auroc=rep["error_auroc"], selective_accuracy=rep["selective_accuracy"])
            # does u flag the examples where the weak members disagree (whatever the student learned from)?
            r["uncertainty"]["disagreement_auroc"] = disagreement_auroc(u, member_probs)  # nan → null in results.json
        out_students[name] = r
    flags = []
    if ceiling["accuracy"] <= weak_mean["accuracy"]:
        flags.append(f"seed {seed}: ceiling accuracy {ceiling['accuracy']:.3f} does not beat mean weak {weak_mean['accuracy']:.3f}; PGR undefined")
    return {"seed": seed, "weak": members, "weak_mean": weak_mean, "ensemble": ensemble, "ceiling": ceiling,
            "students": out_students, "flags": flags}


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
