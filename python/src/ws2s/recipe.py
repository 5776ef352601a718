"""The recipe skeleton: what every experiment kind needs, written once.

A recipe (``ws2s.classification.pipeline``, ``ws2s.generation.pipeline``) holds only its stages and
reads top to bottom::

    ctx = RunContext.open(config, out_dir, emit)          # device, precision, CPU threads, cache, timings
    per_seed, examples = run_seeds(ctx, config["seeds"], one_seed)
    summary = summarise(per_seed, rows, fields=("f1", "exact_match"))
    return write_results(ctx, out_dir, config, "generation", per_seed, examples, summary)

Inside a seed each method runs through ``ctx.attempt(seed, name, fn)``: a method that raises (a
non-finite loss, out of memory, a bug in its loss) is recorded in ``ctx.failures`` with the stage and
step, its per-seed entry becomes ``{"status": "failed", "reason", "step"}``, and the other methods and
seeds go on. A seed whose shared stages fail (weak models, ceiling) is recorded the same way with
``method: None``; only when every seed fails does the run raise.
"""

from __future__ import annotations

import json
import math
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ws2s.cache import Cache, cache_dir_for
from ws2s.device import configure_cpu_threads, pick_device
from ws2s.metrics import pgr_report
from ws2s.metrics.stats import paired_difference, per_seed_pgr, t_interval


@dataclass
class RunContext:
    """What every stage of a run shares: device, precision, cache, emitter, stage timings, failures."""

    device: torch.device
    precision: str
    cache: Cache
    emit: Callable[[dict], None]
    timings: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    stage: str | None = None
    threads: int = field(default_factory=torch.get_num_threads)
    started: float = field(default_factory=time.perf_counter)

    @classmethod
    def open(cls, config: dict, out_dir: str | Path, emit) -> RunContext:
        """The context of a run writing to ``out_dir``: device and CPU threads set, cache opened."""
        t0 = time.perf_counter()
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        device = pick_device(config["device"])
        ctx = cls(device, config["precision"], Cache(cache_dir_for(out_dir), config.get("cache", True)), emit, started=t0)
        ctx.threads = configure_cpu_threads(device)
        return ctx

    def describe(self) -> str:
        return str(self.device) + (f" ({self.threads} CPU thread(s))" if self.device.type == "cpu" else "")

    @contextmanager
    def timed(self, stage: str):
        """Adds the block's seconds to ``timings[stage]``; failures inside it are recorded under ``stage``."""
        t0, outer = time.perf_counter(), self.stage
        self.stage = stage
        try:
            yield
        except Exception as exc:
            if not hasattr(exc, "ws2s_stage"):  # the innermost stage, for the failure record
                exc.ws2s_stage = stage
            raise
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - t0
            self.stage = outer

    def log(self, message: str, level: str = "info") -> None:
        self.emit({"type": "log", "level": level, "message": message})

    def progress(self, stage: str, current: int, total: int, message: str | None = None) -> None:
        ev = {"type": "progress", "stage": stage, "current": current, "total": total}
        if message:
            ev["message"] = message
        self.emit(ev)

    def metric(self, key: str, value: float, step: int) -> None:
        if value is not None and math.isfinite(value):
            self.emit({"type": "metric", "key": key, "value": float(value), "step": step})

    def fail(self, seed: int, method: str | None, exc: BaseException, stage: str | None = None) -> dict:
        """Records a failure ``{seed, method, stage, reason, step}`` (step: the training step, if known)."""
        failure = {"seed": seed, "method": method, "stage": stage or getattr(exc, "ws2s_stage", None) or self.stage or "setup",
                   "reason": f"{type(exc).__name__}: {exc}", "step": getattr(exc, "step", None)}
        self.failures.append(failure)
        what = f"method {method!r}" if method else "the shared stages"
        self.log(f"seed {seed}: {what} failed in stage {failure['stage']}: {failure['reason']}\n"
                 + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-3)), "error")
        return failure

    def attempt(self, seed: int, method: str, fn: Callable[[], Any]) -> Any | None:
        """``fn()``, or None when it raised (recorded as ``method``'s failure in this seed)."""
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - a method that fails, fails alone
            self.fail(seed, method, exc)
            return None

    def failed_methods(self, seed: int) -> dict[str, dict]:
        """Per-seed entries of the methods that failed in ``seed``: ``{status: "failed", reason, step}``."""
        return {f["method"]: {"status": "failed", "reason": f["reason"], "step": f["step"]}
                for f in self.failures if f["seed"] == seed and f["method"] is not None}


def run_seeds(ctx: RunContext, seeds: list[int], one_seed: Callable[[int, int], tuple[dict, list[dict]]]) -> tuple[list[dict], list[dict]]:
    """Runs ``one_seed(index, seed) -> (report, example rows)`` for every seed; a seed that raises is
    recorded and skipped, and the run raises only when no seed finished."""
    per_seed, examples, first_error = [], [], None
    for si, seed in enumerate(seeds):
        try:
            report, rows = one_seed(si, seed)
        except Exception as exc:  # noqa: BLE001 - the other seeds go on
            ctx.fail(seed, None, exc)
            first_error = first_error or exc
            continue
        report["students"].update(ctx.failed_methods(seed))
        per_seed.append(report)
        examples.extend(rows)
        for flag in report["flags"]:
            ctx.log(flag, "warning")
    if not per_seed and first_error is not None:
        raise first_error
    return per_seed, examples


def finished(entry: dict | None) -> bool:
    """Whether a per-seed student entry holds numbers (not absent, not failed)."""
    return entry is not None and entry.get("status") != "failed"


def interval(values: list[float]) -> dict:
    """Mean over seeds with a 95% Student-t interval: ``{mean, low, high, per_seed, method: "t", n_seeds}``.

    With one seed low/high are None (no interval; tables show "1 seed"). No percentile bootstrap here:
    over few seeds it undercovers (over 3 it returns [min, max]); ``ws2s.metrics.stats``.
    """
    t = t_interval(values)
    return {"mean": t["mean"], "low": t["low"], "high": t["high"], "per_seed": list(values), "method": "t", "n_seeds": t["n_seeds"]}


def pgr_interval(weak: list[float], student: list[float], ceiling: list[float]) -> dict:
    """PGR over seeds: ``pgr`` is the PGR of the mean scores (a ratio of means is stable where one seed's
    gap is tiny); ``[low, high]`` is the 95% Student-t interval of the per-seed PGRs (seeds whose ceiling
    does not beat weak are dropped and flagged; None with fewer than 2 such seeds)."""
    per_seed = [pgr_report(*t) for t in zip(weak, student, ceiling)]
    overall = pgr_report(float(np.mean(weak)), float(np.mean(student)), float(np.mean(ceiling)))
    values = [r["pgr"] for r in per_seed if not r["flagged"]]
    t = t_interval(values)
    flagged = [i for i, r in enumerate(per_seed) if r["flagged"]]
    reason = overall["reason"] or (f"seeds {flagged}: ceiling does not beat weak" if flagged else None)
    return {"pgr": overall["pgr"], "low": t["low"], "high": t["high"], "level": 0.95, "per_seed": per_seed,
            "mean_of_per_seed": t["mean"], "flagged": bool(overall["flagged"] or flagged), "reason": reason,
            "n_seeds": len(per_seed), "method": "t"}


def vs_naive(scores: dict[str, tuple[list[float], list[float]]], metric: str, weak: list[float], ceiling: list[float]) -> dict:
    """Per-seed differences method − naive student (same seeds) with t-intervals, for each score in
    ``scores`` (name -> (method per seed, naive per seed)) and for the PGR on ``metric``:
    ``{<score>: {diff, low, high}, ..., pgr: {diff, low, high}, n_seeds}`` (low/high None with one seed)."""
    keep = ("diff", "low", "high")
    out = {name: {k: v[k] for k in keep} for name, v in ((n, paired_difference(a, b)) for n, (a, b) in scores.items())}
    student, naive = scores[metric]
    pgr = paired_difference(per_seed_pgr(weak, student, ceiling), per_seed_pgr(weak, naive, ceiling))
    return {**out, "pgr": {k: pgr[k] for k in keep}, "n_seeds": len(student)}


def _finite(x) -> float:
    return x if isinstance(x, (int, float)) and math.isfinite(x) else -math.inf


def naive_method(rows: list[tuple[str, str]]) -> str | None:
    """The naive student: the first method whose loss is "xent" (None when there is none)."""
    return next((name for name, loss in rows if loss == "xent"), None)


def summarise(per_seed: list[dict], rows: list[tuple[str, str]], fields: tuple[str, ...], naive: str | None = None,
              compare: tuple[str, ...] | None = None) -> dict:
    """Means with Student-t intervals over seeds, and PGR on ``fields[0]`` vs the mean weak member and
    vs the ensemble (``pgr_interval``). rows: (method name, loss) in report order.

    ``vs_naive`` (every method, the naive one included, whose difference is 0): per-seed paired
    differences from the naive student over the seeds both finished (``vs_naive``). naive: its name,
    default ``naive_method(rows)`` (the first "xent" method; the classification recipe names the first
    "xent" method on the ensemble). compare: further scores ``vs_naive`` holds beside the metric (generation:
    f1 and slu_f1). With no naive method — or a naive method that finished no seed — there is no ``vs_naive``.

    A method is summarised over the seeds it finished in; one that finished in none is
    ``{"status": "failed", "loss", "reason"}`` (the reason of its first failure).
    """
    metric = fields[0]
    naive = naive if naive is not None else naive_method(rows)

    def over(seeds: list[dict], path: str) -> list[float]:
        out = []
        for s in seeds:
            d = s
            for part in path.split("."):
                d = d[part]
            out.append(d)
        return out

    out = {"metric": metric, "weak_mean": interval(over(per_seed, f"weak_mean.{metric}")),
           "ensemble": interval(over(per_seed, f"ensemble.{metric}")), "ceiling": interval(over(per_seed, f"ceiling.{metric}")),
           "methods": {}}
    for name, loss in rows:
        done = [s for s in per_seed if finished(s["students"].get(name))]
        if not done:
            reasons = [s["students"][name]["reason"] for s in per_seed if name in s["students"]]
            out["methods"][name] = {"status": "failed", "loss": loss, "reason": reasons[0] if reasons else "no seed finished"}
            continue
        student = over(done, f"students.{name}.{metric}")
        weak, ens, ceil = (over(done, f"{k}.{metric}") for k in ("weak_mean", "ensemble", "ceiling"))
        out["methods"][name] = {"loss": loss, **{f: interval(over(done, f"students.{name}.{f}")) for f in fields},
                                "pgr": pgr_interval(weak, student, ceil), "pgr_vs_ensemble": pgr_interval(ens, student, ceil)}
        both = [s for s in done if naive is not None and finished(s["students"].get(naive))]
        if both:
            keys = dict.fromkeys([metric, *(compare or ())])
            out["methods"][name]["vs_naive"] = vs_naive({k: (over(both, f"students.{name}.{k}"), over(both, f"students.{naive}.{k}")) for k in keys},
                                                        metric, over(both, f"weak_mean.{metric}"), over(both, f"ceiling.{metric}"))
    pgrs = {n: _finite(m["pgr"]["pgr"]) for n, m in out["methods"].items() if "pgr" in m}
    best = max(pgrs, key=pgrs.get, default=None)
    out["best_method"] = best if best is not None and pgrs[best] > -math.inf else None
    return out


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


def write_results(ctx: RunContext, out_dir: str | Path, config: dict, kind: str, per_seed: list[dict], examples: list[dict],
                  summary: dict, meta: dict | None = None) -> dict:
    """Writes ``results.json`` and ``examples.jsonl`` (emitting an artifact event for each) and returns the results."""
    out = Path(out_dir)
    results = json_safe({
        "name": config["name"], "kind": kind, "config": config, **(meta or {}),
        "seeds": config["seeds"], "per_seed": per_seed, "summary": summary,
        "flags": [f for r in per_seed for f in r["flags"]], "failures": ctx.failures,
        "timings": {"total_s": time.perf_counter() - ctx.started, "stages_s": ctx.timings},
        "cache": {"dir": str(ctx.cache.root), "enabled": ctx.cache.enabled, **ctx.cache.stats},
        "device": str(ctx.device),
        "artifacts": {"examples": "examples.jsonl", "events": "events.jsonl"},
    })
    with (out / "examples.jsonl").open("w") as f:
        for row in examples:
            f.write(json.dumps(json_safe(row)) + "\n")
    (out / "results.json").write_text(json.dumps(results, indent=1, allow_nan=False))
    for name in ("results.json", "examples.jsonl"):
        p = out / name
        ctx.emit({"type": "artifact", "name": name, "path": str(p), "kind": "json" if name.endswith(".json") else "jsonl", "bytes": p.stat().st_size})
    best = summary["best_method"]
    pgr = summary["methods"][best]["pgr"] if best else None
    ctx.log(f"done in {results['timings']['total_s']:.1f}s"
            + (f"; best method {best}: PGR {_cell(pgr, 'pgr')}" if best else "")
            + f"; cache saved {ctx.cache.stats['saved_s']:.1f}s"
            + (f"; {len(ctx.failures)} failure(s)" if ctx.failures else ""))
    return results


def _cell(ci: dict | None, key: str = "mean", digits: int = 3) -> str:
    """``value [low, high]``; ``value (1 seed)`` without an interval; "n/a" without a value."""
    if not ci or ci.get(key) is None:
        return "n/a"
    if ci.get("low") is None or ci.get("high") is None:
        return f"{ci[key]:+.{digits}f} (1 seed)" if key == "diff" else f"{ci[key]:.{digits}f} (1 seed)"
    sign = "+" if key == "diff" else ""
    return f"{ci[key]:{sign}.{digits}f} [{ci['low']:{sign}.{digits}f}, {ci['high']:{sign}.{digits}f}]"


def format_table(results: dict) -> str:
    """The summary as a Markdown table, for either kind: every weak member, the weak mean, the ensemble
    (joint decoding for generation), the ceiling and every method, each field with its 95% Student-t
    interval over seeds, PGR vs the mean weak member and vs the ensemble, the paired difference from the
    naive student in the metric and in PGR, and for evidential students the AUROC of their uncertainty
    for detecting their own errors and for the examples where the weak members disagree; then DPO, flags and failures."""
    s, per_seed = results["summary"], results["per_seed"]
    fields = next((tuple(k for k, v in m.items() if isinstance(v, dict) and "mean" in v) for m in s["methods"].values()
                   if m.get("status") != "failed"), (s["metric"],))

    extra = 5  # PGR vs weak, PGR vs ensemble, vs naive (metric, PGR), uncertainty AUROCs (errors, disagreement)

    def row(label: str, loss: str, scores: list[dict]) -> str:
        cells = [_cell(interval([x[f] for x in scores])) if all(f in x for x in scores) else "" for f in fields]
        return "| " + " | ".join([label, loss, *cells, *[""] * (extra + 1)]) + " |"

    lines = ["| model | loss | " + " | ".join(f"{f} (95% t-CI)" for f in fields)
             + f" | PGR vs mean weak | PGR vs ensemble | Δ{s['metric']} vs naive | ΔPGR vs naive | u error-AUROC | u disagreement-AUROC |",
             "|---" * (len(fields) + extra + 3) + "|"]
    for name in per_seed[0]["weak"]:
        lines.append(row(f"weak: {name}", "", [p["weak"][name] for p in per_seed]))
    lines.append(row("weak mean", "", [p["weak_mean"] for p in per_seed]))
    lines.append(row("weak ensemble" if results["kind"] == "classification" else "weak joint decoding", "", [p["ensemble"] for p in per_seed]))
    lines.append(row("ceiling (gold)", "xent", [p["ceiling"] for p in per_seed]))
    for name, m in s["methods"].items():
        if m.get("status") == "failed":
            lines.append(f"| student: {name} | {m['loss']} | failed: {m['reason']} |" + " |" * (len(fields) + extra))
            continue
        cells = [_cell(m.get(f)) for f in fields]
        vs = m.get("vs_naive")
        naive_cells = [_cell(vs[s["metric"]], "diff"), _cell(vs["pgr"], "diff", 2)] if vs else ["", ""]
        lines.append("| " + " | ".join([f"student: {name}", m["loss"], *cells, _cell(m["pgr"], "pgr", 2), _cell(m["pgr_vs_ensemble"], "pgr", 2),
                                        *naive_cells, _uncertainty_cell(per_seed, name, "error_auroc"),
                                        _uncertainty_cell(per_seed, name, "disagreement_auroc")]) + " |")
    lines += _token_u_lines(results)
    lines += _dpo_lines(results)
    lines.append(f"\nbest method: {s['best_method']}; seeds {results['seeds']}; device {results['device']}; "
                 "intervals: 95% Student t over seeds (none with 1 seed); Δ vs naive: paired per seed")
    lines += [f"flag: {f}" for f in results["flags"]]
    lines += [f"failed: seed {f['seed']} {f['method'] or '(shared stages)'} in {f['stage']}"
              + (f" at step {f['step']}" if f["step"] is not None else "") + f": {f['reason']}" for f in results.get("failures", [])]
    return "\n".join(lines)


def _uncertainty_cell(per_seed: list[dict], name: str, key: str) -> str:
    """Mean over seeds (t-interval) of an AUROC of u (evidential students only): ``key`` "error_auroc" (the
    student's own errors) or "disagreement_auroc" (examples where the weak members' votes differ)."""
    values = [v for p in per_seed if (v := _uncertainty(p["students"].get(name), key)) is not None]
    return _cell(interval(values)) if values else ""


def _uncertainty(entry: dict | None, key: str) -> float | None:
    """A student's uncertainty AUROC; for a generation student, error_auroc is its per-token u's AUROC for the
    tokens it gets wrong (``token_uncertainty.auroc``), and "max_prob" that of 1 − max p beside it."""
    if not finished(entry):
        return None
    tokens = entry.get("token_uncertainty") or {}
    if tokens:
        return tokens.get({"error_auroc": "auroc", "max_prob": "auroc_max_prob"}.get(key, key))
    return (entry.get("uncertainty") or {}).get(key)


def _token_u_lines(results: dict) -> list[str]:
    """Generation students with per-token u: its AUROC for wrong tokens beside 1 − max p's, over seeds."""
    per_seed = results["per_seed"]
    names = [n for n in results["summary"]["methods"] if any(_uncertainty(p["students"].get(n), "max_prob") is not None for p in per_seed)]
    return [f"token u of {n} (teacher-forced on gold test frames), AUROC for its wrong tokens: u {_uncertainty_cell(per_seed, n, 'error_auroc')}, "
            f"1 − max p {_uncertainty_cell(per_seed, n, 'max_prob')}" for n in names]


def _dpo_lines(results: dict) -> list[str]:
    """The DPO stage: its paired change over seeds (``summary.dpo``) and the reward statistics over all
    pairs after training, averaged over seeds."""
    dpo = [p["dpo"] for p in results["per_seed"] if p.get("dpo") and p["dpo"].get("pairs")]
    if not dpo:
        return []
    keys = ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies")
    stats = ", ".join(f"{k} {sum(d.get(k, 0) for d in dpo) / len(dpo):.3f}" for k in keys)
    change = (results["summary"].get("dpo") or {}).get(dpo[0]["from"], {})
    deltas = "; ".join(f"{f} {_cell(change[f], 'diff')}" for f in ("f1", "slu_f1") if change.get(f))
    lines = ["", f"DPO on {dpo[0]['from']} (after − before, paired over {len(dpo)} seed(s)): {deltas or 'n/a'}; "
                 f"{sum(d['pairs'] for d in dpo) / len(dpo):.0f} pairs per seed; after training, over all pairs: {stats}"]

    def mean(k: str) -> float | None:
        values = [d[k] for d in dpo if d.get(k) is not None]
        return sum(values) / len(values) if values else None

    pairs_of_keys = (("logp_chosen_before", "logp_chosen_after", "log p(chosen)"),
                     ("logp_rejected_before", "logp_rejected_after", "log p(rejected)"),
                     ("before_malformed_frames", "after_malformed_frames", "malformed frames"),
                     ("before_empty_frames", "after_empty_frames", "empty frames"))
    shifts = [f"{label} {mean(b):.3f} → {mean(a):.3f}" for b, a, label in pairs_of_keys if mean(b) is not None and mean(a) is not None]
    if shifts:
        lines.append("DPO, mean over seeds, before → after: " + "; ".join(shifts))
    if mean("gold_accuracy") is not None:
        lines.append(f"DPO diagnostic (never used for training or selection): the weak preference is right by gold in "
                     f"{mean('gold_accuracy'):.3f} of the {mean('gold_decided'):.0f} pairs per seed that gold decides")
    return lines
