"""The generation recipe: per seed, weak models → joint decoding of strong_train → ceiling → students →
DPO → evaluation on test. Writes ``out_dir/results.json`` (the classification shape, slot F1 in place
of accuracy) and ``out_dir/examples.jsonl``; returns the results dict.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import torch

from ..classification.report import json_safe
from ..device import pick_device, seed_everything
from ..events import null_emit
from ..losses import fixed, from_reliability, uniform
from ..train.loop import train
from .dpo import dpo_stage
from .evaluate import decode, score_texts, seed_report, summarise
from .joint import joint_decode
from .labels import joint_labels, member_labels
from .models.hf import HF_ARCHS
from .models.student import CopyStudent
from .students import prepare, student_targets
from .tasks import load_task
from .teacher_forcing import nll_step, target_batches
from .tokenizers import ShortlistTokenizer
from .weak import train_weak


def weak_weights(spec, reliabilities: list[float]) -> torch.Tensor:
    """λ ``[K]`` from a config value: "uniform", "reliability" (softmax of held-out log-likelihoods) or a list."""
    if spec == "uniform":
        return uniform(len(reliabilities))
    if spec == "reliability":
        return from_reliability(reliabilities)
    return fixed(spec)


class _Run:
    def __init__(self, config: dict, emit):
        self.config, self.emit = config, emit
        self.device = pick_device(config["device"])
        self.timings: dict[str, float] = {}

    def log(self, message: str, level: str = "info"):
        self.emit({"type": "log", "level": level, "message": message})

    def timed(self, stage: str, t0: float):
        self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - t0


def build_student(strong: dict, precision: str):
    """The strong model of ``strong.arch``: the copy student (frozen encoder + copy decoder) or an HF LM,
    fine-tuned whole or, with ``strong.mode`` "lora", through LoRA adapters."""
    if strong["arch"] == "copy":
        return CopyStudent(strong["model"], layers=int(strong["decoder_layers"]), max_len=int(strong["max_length"]))
    return HF_ARCHS[strong["arch"]](strong["model"], bool(strong["trust_remote_code"]), precision, int(strong["max_length"]),
                                    lora_rank=int(strong["lora_rank"]) if strong["mode"] == "lora" else 0,
                                    gradient_checkpointing=bool(strong["gradient_checkpointing"]))


def _fit_student(run: _Run, base, memory, targets, extra, tensors, make_step, seed: int, key: str):
    cfg = run.config["strong_train"]
    torch.manual_seed(seed)
    model = copy.deepcopy(base)
    train(model, target_batches(targets, model.tokenizer.pad_id, int(cfg["batch_size"]), seed, extra, tensors),
          make_step(memory), epochs=int(cfg["epochs"]), lr=float(cfg["lr"]), weight_decay=float(cfg["weight_decay"]),
          device=run.device, precision=run.config["precision"], emit=run.emit, key=key)
    return model.eval()


def run_seed(run: _Run, seed: int, base) -> tuple[dict, list[dict]]:
    config, emit = run.config, run.emit
    max_len, eval_beam = int(config["max_output_length"]), int(config["eval_beam_size"])
    seed_everything(seed)
    splits = load_task(config["task"], config["splits"], seed)
    test = splits["test"]
    cut = max(1, len(splits["weak_train"]) // 10)
    held_out, weak_fit = splits["weak_train"][:cut], splits["weak_train"][cut:]

    t0 = time.perf_counter()
    weak_models, reliability = [], []
    for k, spec in enumerate(config["weak"]):
        emit({"type": "progress", "stage": "weak", "current": k, "total": len(config["weak"]), "message": f"seed {seed}: weak {spec['name']}"})
        model, rel = train_weak(spec, weak_fit, held_out, config["weak_train"], seed + k, run.device, emit,
                                config["precision"])
        weak_models.append(model)
        reliability.append(rel)
    lam = weak_weights(config["joint"]["weights"], reliability)
    run.timed("weak", t0)

    t0 = time.perf_counter()
    sources = [e.source for e in splits["strong_train"]]
    choices = joint_decode(weak_models, sources, lam, int(config["joint"]["beam_size"]), max_len)
    labels = {"joint": joint_labels(weak_models, lam, choices)}
    weak_scores = {}
    for k, (spec, model) in enumerate(zip(config["weak"], weak_models)):
        weak_scores[spec["name"]] = {**score_texts(decode(model, model.encode([e.source for e in test]), eval_beam, max_len), test),
                                     "reliability": reliability[k]}
        if any(m["weak"] == spec["name"] for m in config["methods"]):
            labels[spec["name"]] = member_labels(weak_models, k, model.encode(sources), choices)
    test_joint = joint_decode(weak_models, [e.source for e in test], lam, int(config["joint"]["beam_size"]), max_len)
    joint_score = score_texts([c.text for c in test_joint], test)
    joint_score["label_f1_on_strong_train"] = score_texts(labels["joint"].texts, splits["strong_train"])["f1"]
    run.timed("weak_labels", t0)
    summary = ", ".join(f"{n} {s['f1']:.3f}" for n, s in weak_scores.items())
    run.log(f"seed {seed}: weak F1 {summary}; joint {joint_score['f1']:.3f}")

    t0 = time.perf_counter()
    if isinstance(base, CopyStudent):
        base.reinit(seed)  # this seed's initial decoder, shared by the ceiling and every student
        # the copy student generates over a shortlist: every source token (copyable anyway) and the weak side's frames
        shortlist = [e.source for split in splits.values() for e in split] + [e.target for e in splits["weak_train"]]
        base.set_shortlist(ShortlistTokenizer.from_texts(base.hf_tokenizer, shortlist))
    memory = base.encode(sources)
    test_memory = base.encode([e.source for e in test])
    run.timed("features", t0)

    def evaluate(model) -> tuple[dict, list[str]]:
        texts = decode(model, test_memory, eval_beam, max_len)
        return score_texts(texts, test), texts

    t0 = time.perf_counter()
    gold_ids = student_targets(base.tokenizer, [e.target for e in splits["strong_train"]])[0]
    ceiling = _fit_student(run, base, memory, gold_ids, {}, {}, nll_step, seed, "ceiling")
    ceiling_score, _ = evaluate(ceiling)
    run.timed("ceiling", t0)

    students, trained, predictions = {}, {}, {}
    for mi, m in enumerate(config["methods"]):
        emit({"type": "progress", "stage": "student", "current": mi, "total": len(config["methods"]), "message": f"seed {seed}: {m['name']}"})
        t0 = time.perf_counter()
        weights = weak_weights(m["weights"], reliability)
        targets, extra, tensors, make_step = prepare(m, labels[m["weak"]], base.tokenizer, weights)
        trained[m["name"]] = _fit_student(run, base, memory, targets, extra, tensors, make_step, seed, f"student/{m['name']}")
        students[m["name"]], predictions[m["name"]] = evaluate(trained[m["name"]])
        run.timed("student", t0)
        emit({"type": "metric", "key": f"test/{m['name']}/f1", "value": students[m["name"]]["f1"], "step": seed})

    dpo_info = None
    if config.get("dpo"):
        t0 = time.perf_counter()
        d = config["dpo"]
        source_name = d.get("method") or config["methods"][0]["name"]
        refined, info = dpo_stage(trained[source_name], memory, sources, weak_models, lam, d, max_len, seed, run.device, emit,
                                  key=f"dpo/{source_name}")
        name = f"{source_name}+dpo"
        students[name], predictions[name] = evaluate(refined)
        dpo_info = {"from": source_name, "before_f1": students[source_name]["f1"], "after_f1": students[name]["f1"], **info}
        run.timed("dpo", t0)

    report = seed_report(seed, weak_scores, joint_score, ceiling_score, students)
    report["dpo"] = dpo_info
    report["lambda"] = lam.tolist()
    examples = [{"seed": seed, "split": "test", "source": e.source, "gold": e.target, "joint": test_joint[i].text,
                 "students": {n: p[i] for n, p in predictions.items()}} for i, e in enumerate(test)]
    return report, examples


def run(config: dict, out_dir: str | Path, emit=null_emit) -> dict:
    t_start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    r = _Run(config, emit)
    r.log(f"generation experiment {config['name']!r}: {len(config['seeds'])} seed(s), {len(config['weak'])} weak, "
          f"{len(config['methods'])} method(s) on {r.device}")
    t0 = time.perf_counter()
    base = build_student(config["strong"], config["precision"]).to(r.device)
    r.timed("load_student", t0)
    per_seed, examples = [], []
    for seed in config["seeds"]:
        torch.manual_seed(seed)
        report, ex = run_seed(r, seed, base)
        per_seed.append(report)
        examples.extend(ex)
        for flag in report["flags"]:
            r.log(flag, "warning")
    rows = [(m["name"], m["loss"]) for m in config["methods"]]
    if config.get("dpo"):
        src = config["dpo"].get("method") or config["methods"][0]["name"]
        rows.append((f"{src}+dpo", "dpo"))
    summary = summarise(per_seed, rows)
    results = json_safe({
        "name": config["name"], "kind": "generation", "config": config, "seeds": config["seeds"],
        "per_seed": per_seed, "summary": summary, "flags": [f for s in per_seed for f in s["flags"]],
        "timings": {"total_s": time.perf_counter() - t_start, "stages_s": r.timings},
        "device": str(r.device), "artifacts": {"examples": "examples.jsonl", "events": "events.jsonl"},
    })
    with (out / "examples.jsonl").open("w") as f:
        for row in examples:
            f.write(json.dumps(row) + "\n")
    (out / "results.json").write_text(json.dumps(results, indent=1, allow_nan=False))
    for name in ("results.json", "examples.jsonl"):
        p = out / name
        emit({"type": "artifact", "name": name, "path": str(p), "kind": "json" if name.endswith(".json") else "jsonl", "bytes": p.stat().st_size})
    r.log(f"done in {results['timings']['total_s']:.1f}s")
    return results
