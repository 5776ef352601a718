"""The classification recipe: per seed, weak ensemble → weak labels → ceiling → students → evaluation.

Writes ``out_dir/results.json`` and ``out_dir/examples.jsonl`` and returns the results dict. What every
recipe shares (run context, failures, summaries, artifacts) is ``ws2s.recipe``; this file holds the stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ws2s.cache import digest
from ws2s.classification.data import SplitData, load_split
from ws2s.classification.report import example_rows, seed_report
from ws2s.classification.strong import StrongModel
from ws2s.classification.students import student_probs, train_ceiling, train_student, weak_targets
from ws2s.classification.weak import weak_ensemble
from ws2s.events import null_emit
from ws2s.recipe import RunContext, run_seeds, summarise, write_results

FIELDS = ("accuracy", "auroc", "ece")


@dataclass
class Shared:
    """What seeds share: the data description (from the first seed) and frozen features per data set."""

    meta: dict = field(default_factory=dict)
    strong_by_data: dict[str, StrongModel] = field(default_factory=dict)


def run(config: dict, out_dir: str | Path, emit=null_emit) -> dict:
    ctx = RunContext.open(config, out_dir, emit)
    seeds, members, methods = config["seeds"], config["weak"], config["methods"]
    ctx.log(f"experiment {config['name']!r}: {len(seeds)} seed(s), {len(members)} weak member(s), {len(methods)} method(s) on {ctx.describe()}")
    shared = Shared()
    per_seed, examples = run_seeds(ctx, seeds, lambda si, seed: run_seed(ctx, config, si, seed, shared))
    for stage, total in (("weak", len(seeds) * len(members)), ("student", len(seeds) * len(methods)), ("eval", len(seeds))):
        ctx.progress(stage, total, total)
    return write_results(ctx, out_dir, config, "classification", per_seed, examples, summary_of(config, per_seed), shared.meta)


def summary_of(config: dict, per_seed: list[dict]) -> dict:
    """The run's summary over its seeds' reports (also what ``ws2s merge`` recomputes)."""
    methods = config["methods"]
    # The naive student: cross-entropy on the ensemble's labels (no vs_naive when no method is that).
    naive = next((m["name"] for m in methods if m["loss"] == "xent" and m["weak"] == "ensemble"), None)
    return summarise(per_seed, [(m["name"], m["loss"]) for m in methods], FIELDS, naive=naive or "")


def run_seed(ctx: RunContext, config: dict, si: int, seed: int, shared: Shared) -> tuple[dict, list[dict]]:
    seeds, members, methods = config["seeds"], config["weak"], config["methods"]
    data = load_split(config, seed)
    if not shared.meta:
        shared.meta = describe_data(ctx, data)
    weak, _ = weak_ensemble(members, data, config, seed, ctx, si * len(members), len(seeds) * len(members))
    strong = strong_model(ctx, config, data, shared)

    ctx.progress("ceiling", si, len(seeds), f"seed {seed}: strong ceiling on gold strong_train")
    with ctx.timed("ceiling"):
        ceiling_logits, _ = train_ceiling(strong, data, config, seed, ctx)
    ceiling_probs, _ = student_probs(None, ceiling_logits)

    students = {}
    for mi, m in enumerate(methods):
        ctx.progress("student", si * len(methods) + mi, len(seeds) * len(methods), f"seed {seed}: student {m['name']} ({m['loss']})")
        with ctx.timed("student"):
            result = ctx.attempt(seed, m["name"], lambda: student_stage(ctx, config, strong, data, m, weak, seed))
        if result is not None:
            students[m["name"]] = result

    ctx.progress("eval", si, len(seeds), f"seed {seed}: evaluation on test")
    with ctx.timed("eval"):
        report = seed_report(seed, data, weak, ceiling_probs, students)
        rows = example_rows(seed, data, weak, students)
    for name, r in report["students"].items():
        ctx.metric(f"test/{name}/accuracy", r["accuracy"], si)
    return report, rows


def describe_data(ctx: RunContext, data: SplitData) -> dict:
    """The data set's classes, split sizes and class balance (results.json's top level), logged once."""
    meta = {"classes": data.dataset.classes, "sizes": {s: len(v) for s, v in data.idx.items()},
            "class_balance": data.balance(), "examples": len(data.dataset)}
    balance = {s: {c: round(f, 3) for c, f in b.items()} for s, b in meta["class_balance"].items()}
    ctx.log(f"data: {len(data.dataset)} examples, classes {data.dataset.classes}, splits {meta['sizes']}, class balance {balance}")
    return meta


def strong_model(ctx: RunContext, config: dict, data: SplitData, shared: Shared) -> StrongModel:
    """The strong model for this data set; built-in tasks share one data set across seeds, so features once."""
    key = digest(data.dataset.texts)
    if key not in shared.strong_by_data:
        shared.strong_by_data[key] = StrongModel(config["strong"], data.dataset.texts, data.num_classes, ctx)
    return shared.strong_by_data[key]


def student_stage(ctx: RunContext, config: dict, strong: StrongModel, data: SplitData, method: dict, weak: dict, seed: int) -> dict:
    """One method's student trained on weak labels: test probabilities, uncertainty and the weak labels it saw."""
    logits, _ = train_student(strong, data, method, weak, config, seed, ctx)
    probs, unc = student_probs(method, logits)
    wt = weak_targets(method, weak, "test")
    return {"probs": probs, "uncertainty": unc, "weak_probs": wt.mean(1) if wt.dim() == 3 else wt}
