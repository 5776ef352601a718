"""The classification recipe: per seed, weak ensemble → weak labels → ceiling → students → evaluation.

Writes ``out_dir/results.json`` and ``out_dir/examples.jsonl`` and returns the results dict.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ws2s.cache import Cache, cache_dir_for, digest
from ws2s.classification.context import RunContext
from ws2s.classification.data import load_split
from ws2s.classification.report import example_rows, json_safe, seed_report, summarise
from ws2s.classification.strong import StrongModel
from ws2s.classification.students import student_probs, train_ceiling, train_student, weak_targets
from ws2s.classification.weak import weak_ensemble
from ws2s.device import configure_cpu_threads, pick_device
from ws2s.events import null_emit


def run(config: dict, out_dir: str | Path, emit=null_emit) -> dict:
    t_start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = RunContext(pick_device(config["device"]), config["precision"], Cache(cache_dir_for(out), config["cache"]), emit)
    threads = configure_cpu_threads(ctx.device)
    seeds, members, methods = config["seeds"], config["weak"], config["methods"]
    ctx.log(f"experiment {config['name']!r}: {len(seeds)} seed(s), {len(members)} weak member(s), {len(methods)} method(s) on {ctx.device}"
            + (f" ({threads} CPU thread(s))" if ctx.device.type == "cpu" else ""))
    strong_by_data: dict[str, StrongModel] = {}
    per_seed, examples, meta = [], [], {}
    weak_step = 0

    for si, seed in enumerate(seeds):
        data = load_split(config, seed)
        if si == 0:
            meta = {"classes": data.dataset.classes, "sizes": {s: len(v) for s, v in data.idx.items()},
                    "class_balance": data.balance(), "examples": len(data.dataset)}
            balance = {s: {c: round(f, 3) for c, f in b.items()} for s, b in meta["class_balance"].items()}
            ctx.log(f"data: {len(data.dataset)} examples, classes {data.dataset.classes}, splits {meta['sizes']}, class balance {balance}")

        weak, weak_step = weak_ensemble(members, data, config, seed, ctx, weak_step, len(seeds) * len(members))

        data_key = digest(data.dataset.texts)
        if data_key not in strong_by_data:  # built-in tasks share one data set across seeds: features once
            strong_by_data[data_key] = StrongModel(config["strong"], data.dataset.texts, data.num_classes, ctx)
        strong = strong_by_data[data_key]

        ctx.progress("ceiling", si, len(seeds), f"seed {seed}: strong ceiling on gold strong_train")
        with ctx.timed("ceiling"):
            ceiling_logits, _ = train_ceiling(strong, data, config, seed, ctx)
        ceiling_probs, _ = student_probs(None, ceiling_logits)

        students = {}
        for mi, m in enumerate(methods):
            ctx.progress("student", si * len(methods) + mi, len(seeds) * len(methods), f"seed {seed}: student {m['name']} ({m['loss']})")
            with ctx.timed("student"):
                logits, _ = train_student(strong, data, m, weak, config, seed, ctx)
            probs, unc = student_probs(m, logits)
            wt = weak_targets(m, weak, "test")
            students[m["name"]] = {"probs": probs, "uncertainty": unc, "weak_probs": wt.mean(1) if wt.dim() == 3 else wt}

        ctx.progress("eval", si, len(seeds), f"seed {seed}: evaluation on test")
        with ctx.timed("eval"):
            report = seed_report(seed, data, weak, ceiling_probs, students)
            per_seed.append(report)
            examples.extend(example_rows(seed, data, weak, students))
        for name, r in report["students"].items():
            emit({"type": "metric", "key": f"test/{name}/accuracy", "value": r["accuracy"], "step": si})
        for flag in report["flags"]:
            ctx.log(flag, "warning")

    for stage, total in (("weak", len(seeds) * len(members)), ("student", len(seeds) * len(methods)), ("eval", len(seeds))):
        ctx.progress(stage, total, total)
    summary = summarise(per_seed, methods)
    results = json_safe({
        "name": config["name"], "kind": "classification", "config": config, **meta,
        "seeds": seeds, "per_seed": per_seed, "summary": summary,
        "flags": [f for r in per_seed for f in r["flags"]],
        "timings": {"total_s": time.perf_counter() - t_start, "stages_s": ctx.timings},
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
        emit({"type": "artifact", "name": name, "path": str(p), "kind": "json" if name.endswith(".json") else "jsonl", "bytes": p.stat().st_size})
    best = summary["best_method"]
    if best:
        pg = summary["methods"][best]["pgr"]
        ctx.log(f"done in {results['timings']['total_s']:.1f}s; best method {best}: PGR {pg['pgr']} [{pg['low']}, {pg['high']}]; cache saved {ctx.cache.stats['saved_s']:.1f}s")
    return results
