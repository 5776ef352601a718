"""The generation recipe: per seed, weak models → joint decoding of strong_train → ceiling → students →
DPO → evaluation on test. Writes ``out_dir/results.json`` (the classification shape, slot F1 in place
of accuracy) and ``out_dir/examples.jsonl``; returns the results dict. What every recipe shares (run
context, cache, failures, summaries, artifacts) is ``ws2s.recipe``; this file holds the stages.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import torch

from ..cache import digest
from ..device import seed_everything
from ..events import null_emit
from ..losses import member_weights
from ..metrics.stats import paired_difference
from ..recipe import RunContext, run_seeds, summarise, write_results
from ..train.loop import grad_clip, train
from .dpo import dpo_stage
from .evaluate import decode, eval_beam, length_penalty, score_texts, seed_report
from .frames import frame_status
from .joint import joint_decode
from .labels import joint_labels, member_labels
from .models.hf import HF_ARCHS
from .models.student import CopyStudent
from ..losses.evidential_tokens import token_uncertainty, wrong_token_auroc
from .models import pad
from .students import WeakLabels, prepare, student_targets
from .tasks import Example, load_task
from .teacher_forcing import forward_tokens, nll_step, target_batches
from .tokenizers import ShortlistTokenizer
from .weak import cached_weak

FIELDS = ("f1", "exact_match", "slu_f1", "word_f1", "char_f1", "empty_frames", "malformed_frames")


def run(config: dict, out_dir: str | Path, emit=null_emit) -> dict:
    ctx = RunContext.open(config, out_dir, emit)
    ctx.log(f"generation experiment {config['name']!r}: {len(config['seeds'])} seed(s), {len(config['weak'])} weak, "
            f"{len(config['methods'])} method(s) on {ctx.describe()}")
    with ctx.timed("load_student"):
        base = build_student(config["strong"], config["precision"]).to(ctx.device)
    per_seed, examples = run_seeds(ctx, config["seeds"], lambda si, seed: run_seed(ctx, config, seed, base))
    return write_results(ctx, out_dir, config, "generation", per_seed, examples, summary_of(config, per_seed),
                         {"eval_beam_size": eval_beam(config), "length_penalty": length_penalty(config)})


def summary_of(config: dict, per_seed: list[dict]) -> dict:
    """The run's summary over its seeds' reports (also what ``ws2s merge`` recomputes)."""
    summary = summarise(per_seed, summary_rows(config), FIELDS, compare=("f1", "slu_f1"))
    dpo_comparison(summary, per_seed)
    return summary


def dpo_comparison(summary: dict, per_seed: list[dict]) -> None:
    """``summary.dpo``: each DPO-refined student minus itself before DPO, paired over seeds (F1, SLU-F1)."""
    dpo = [s["dpo"] for s in per_seed if s.get("dpo") and s["dpo"].get("pairs")]
    if not dpo:
        return
    keep = ("diff", "low", "high")
    change = {f: paired_difference([d[f"after_{f}"] for d in dpo], [d[f"before_{f}"] for d in dpo]) for f in ("f1", "slu_f1")}
    summary["dpo"] = {dpo[0]["from"]: {**{f: {k: d[k] for k in keep} for f, d in change.items()}, "n_seeds": len(dpo)}}


def build_student(strong: dict, precision: str):
    """The strong model of ``strong.arch``: the copy student (frozen encoder + copy decoder) or an HF LM,
    fine-tuned whole or, with ``strong.mode`` "lora", through LoRA adapters."""
    if strong["arch"] == "copy":
        return CopyStudent(strong["model"], layers=int(strong["decoder_layers"]), max_len=int(strong["max_length"]),
                           finetune_layers=int(strong.get("finetune_layers", 0)))
    return HF_ARCHS[strong["arch"]](strong["model"], bool(strong["trust_remote_code"]), precision, int(strong["max_length"]),
                                    lora_rank=int(strong["lora_rank"]) if strong["mode"] == "lora" else 0,
                                    gradient_checkpointing=bool(strong["gradient_checkpointing"]))


def summary_rows(config: dict) -> list[tuple[str, str]]:
    """(student name, loss) in report order: every method, then the DPO-refined one."""
    rows = [(m["name"], m["loss"]) for m in config["methods"]]
    if config.get("dpo"):
        rows.append((f"{dpo_source(config)}+dpo", "dpo"))
    return rows


def dpo_source(config: dict) -> str:
    return config["dpo"].get("method") or config["methods"][0]["name"]


@dataclass
class Weak:
    """A seed's weak side: trained models, their reliabilities, the joint weights λ and their cache keys."""

    models: list
    reliability: list[float]
    lam: torch.Tensor
    keys: list[str]


@dataclass
class Student:
    """A seed's strong side: the base model, features of strong_train and test, the test set."""

    base: torch.nn.Module
    memory: dict
    test_memory: dict
    test: list[Example]


def run_seed(ctx: RunContext, config: dict, seed: int, base) -> tuple[dict, list[dict]]:
    seed_everything(seed)
    splits = load_task(config["task"], config["splits"], seed)
    weak = weak_stage(ctx, config, splits, seed)
    labels = weak_label_stage(ctx, config, splits, weak, seed)
    student = features_stage(ctx, splits, base, seed)
    with ctx.timed("ceiling"):
        gold_ids = student_targets(base.tokenizer, [e.target for e in splits["strong_train"]])[0]
        ceiling = fit_student(ctx, config, student, gold_ids, {}, {}, nll_step, seed, "ceiling")
        ceiling_score, _ = evaluate(config, student, ceiling)

    scores, predictions, trained = {}, {}, {}
    for mi, m in enumerate(config["methods"]):
        ctx.progress("student", mi, len(config["methods"]), f"seed {seed}: {m['name']}")
        with ctx.timed("student"):
            done = ctx.attempt(seed, m["name"], lambda: method_stage(ctx, config, student, m, labels["texts"][m["weak"]], weak, seed))
        if done is not None:
            trained[m["name"]], scores[m["name"]], predictions[m["name"]] = done
            ctx.metric(f"test/{m['name']}/f1", scores[m["name"]]["f1"], seed)

    dpo_info = None
    if config.get("dpo"):
        with ctx.timed("dpo"):
            dpo_info = refine_stage(ctx, config, student, splits, weak, trained, scores, predictions, seed,
                                    labels["texts"]["joint"].texts)

    report = seed_report(seed, labels["weak_scores"], labels["joint_score"], ceiling_score, scores)
    report["dpo"] = dpo_info
    report["lambda"] = weak.lam.tolist()
    report["gold_empty_frames"] = sum(frame_status(e.target) == "empty" for e in student.test) / max(1, len(student.test))
    examples = [{"seed": seed, "split": "test", "source": e.source, "gold": e.target, "joint": labels["test_joint"][i],
                 "students": {n: p[i] for n, p in predictions.items()},
                 "frame_status": {"joint": frame_status(labels["test_joint"][i]), **{n: frame_status(p[i]) for n, p in predictions.items()}}}
                for i, e in enumerate(student.test)]
    return report, examples


def weak_stage(ctx: RunContext, config: dict, splits: dict, seed: int) -> Weak:
    """Each weak model trained on 90% of weak_train (cached); its reliability is measured on the rest."""
    cut = max(1, len(splits["weak_train"]) // 10)
    held_out, weak_fit = splits["weak_train"][:cut], splits["weak_train"][cut:]
    models, reliability, keys = [], [], []
    with ctx.timed("weak"):
        for k, spec in enumerate(config["weak"]):
            ctx.progress("weak", k, len(config["weak"]), f"seed {seed}: weak {spec['name']}")
            model, rel, key = cached_weak(ctx, spec, weak_fit, held_out, config["weak_train"], seed + k)
            models.append(model)
            reliability.append(rel)
            keys.append(key)
    return Weak(models, reliability, member_weights(config["joint"]["weights"], reliability), keys)


def weak_label_stage(ctx: RunContext, config: dict, splits: dict, weak: Weak, seed: int) -> dict:
    """Joint decoding of strong_train (the weak labels) and of test, and every weak model's test scores (cached)."""
    sources, test = [e.source for e in splits["strong_train"]], splits["test"]
    needed = sorted({m["weak"] for m in config["methods"]} - {"joint"})
    key = digest("gen-weak-labels-v4", weak.keys, weak.lam.tolist(), config["joint"], config["max_output_length"],
                 eval_beam(config), length_penalty(config), sources, [(e.source, e.target) for e in test], needed)
    with ctx.timed("weak_labels"):
        out = ctx.cache.get_or_compute("weak_labels", key, lambda: decode_weak_labels(config, splits, weak, needed))
    summary = ", ".join(f"{n} {s['f1']:.3f}" for n, s in out["weak_scores"].items())
    ctx.log(f"seed {seed}: weak F1 {summary}; joint {out['joint_score']['f1']:.3f}")
    return {**out, "texts": {name: WeakLabels(**d) for name, d in out["labels"].items()}}


def decode_weak_labels(config: dict, splits: dict, weak: Weak, needed: list[str]) -> dict:
    max_len, beam_eval, beam = int(config["max_output_length"]), eval_beam(config), int(config["joint"]["beam_size"])
    alpha = length_penalty(config)
    sources, test = [e.source for e in splits["strong_train"]], splits["test"]
    choices = joint_decode(weak.models, sources, weak.lam, beam, max_len, alpha)
    labels = {"joint": joint_labels(weak.models, weak.lam, choices)}
    weak_scores = {}
    for k, (spec, model) in enumerate(zip(config["weak"], weak.models)):
        texts = decode(model, model.encode([e.source for e in test]), beam_eval, max_len, alpha)
        weak_scores[spec["name"]] = {**score_texts(texts, test), "reliability": weak.reliability[k]}
        if spec["name"] in needed:
            labels[spec["name"]] = member_labels(weak.models, k, model.encode(sources), choices)
    test_joint = [c.text for c in joint_decode(weak.models, [e.source for e in test], weak.lam, beam_eval, max_len, alpha)]
    joint_score = score_texts(test_joint, test)
    joint_score["label_f1_on_strong_train"] = score_texts(labels["joint"].texts, splits["strong_train"])["f1"]
    return {"labels": {n: vars(lab) for n, lab in labels.items()}, "weak_scores": weak_scores, "joint_score": joint_score,
            "test_joint": test_joint}


def features_stage(ctx: RunContext, splits: dict, base, seed: int) -> Student:
    """This seed's initial student (the copy student's decoder and shortlist) and its features."""
    with ctx.timed("features"):
        if isinstance(base, CopyStudent):
            base.reinit(seed)  # this seed's initial decoder, shared by the ceiling and every student
            # the copy student generates over a shortlist: every source token (copyable anyway) and the weak side's frames
            shortlist = [e.source for split in splits.values() for e in split] + [e.target for e in splits["weak_train"]]
            base.set_shortlist(ShortlistTokenizer.from_texts(base.hf_tokenizer, shortlist))
        memory = base.encode([e.source for e in splits["strong_train"]])
        test_memory = base.encode([e.source for e in splits["test"]])
    return Student(base, memory, test_memory, splits["test"])


def fit_student(ctx: RunContext, config: dict, student: Student, targets, extra, tensors, make_step, seed: int, key: str):
    """A copy of the seed's initial student trained on ``targets`` with the one training loop."""
    cfg = config["strong_train"]
    torch.manual_seed(seed)
    model = copy.deepcopy(student.base)
    train(model, target_batches(targets, model.tokenizer.pad_id, int(cfg["batch_size"]), seed, extra, tensors),
          make_step(student.memory), epochs=int(cfg["epochs"]), lr=float(cfg["lr"]), weight_decay=float(cfg["weight_decay"]),
          device=ctx.device, precision=config["precision"], emit=ctx.emit, key=key, max_grad_norm=grad_clip(cfg))
    return model.eval()


def evaluate(config: dict, student: Student, model) -> tuple[dict, list[str]]:
    """Slot scores of ``model``'s beam-search outputs on test, and the outputs."""
    texts = decode(model, student.test_memory, eval_beam(config), int(config["max_output_length"]), length_penalty(config))
    return score_texts(texts, student.test), texts


def method_stage(ctx: RunContext, config: dict, student: Student, method: dict, labels: WeakLabels, weak: Weak, seed: int):
    """One method's student trained on its weak labels: (model, test scores, test outputs)."""
    weights = member_weights(method["weights"], weak.reliability)
    targets, extra, tensors, make_step = prepare(method, labels, student.base.tokenizer, weights)
    model = fit_student(ctx, config, student, targets, extra, tensors, make_step, seed, f"student/{method['name']}")
    scores, texts = evaluate(config, student, model)
    if method["loss"] == "edl":
        scores["token_uncertainty"] = token_uncertainty_report(student, model)
    return model, scores, texts


@torch.no_grad()
def token_uncertainty_report(student: Student, model) -> dict:
    """Per-token u of an evidential student on test, teacher-forced on the gold frames: AUROC for detecting
    the tokens it gets wrong (argmax ≠ gold), mean and spread; and the AUROC of 1 − max p (the plain
    softmax confidence) for comparison."""
    ids = student_targets(model.tokenizer, [e.target for e in student.test])[0]
    us, pred, gold, doubt = [], [], [], []
    for s in range(0, len(ids), 64):
        chunk = ids[s : s + 64]
        length = torch.tensor([len(t) for t in chunk])
        logits, tgt = forward_tokens(model, student.test_memory, torch.arange(s, s + len(chunk)),
                                     pad(chunk, model.tokenizer.pad_id, model.device), length.to(model.device))
        us.append(token_uncertainty(logits))
        pred.append(logits.argmax(-1))
        gold.append(tgt)
        doubt.append(1 - logits.softmax(-1).max(-1).values)
    u, pred, gold = torch.cat(us).double(), torch.cat(pred), torch.cat(gold)
    return {"auroc": wrong_token_auroc(u, pred, gold), "auroc_max_prob": wrong_token_auroc(torch.cat(doubt).double(), pred, gold),
            "mean": float(u.mean()), "std": float(u.std())}


def refine_stage(ctx: RunContext, config: dict, student: Student, splits: dict, weak: Weak, trained: dict, scores: dict,
                 predictions: dict, seed: int, joint_texts: list[str]) -> dict | None:
    """DPO on the source method's student, ranked by the weak ensemble; adds ``<source>+dpo`` to the scores."""
    d, source = config["dpo"], dpo_source(config)
    name = f"{source}+dpo"
    if source not in trained:
        ctx.fail(seed, name, RuntimeError(f"its source method {source!r} failed in this seed"), stage="dpo")
        return None
    sources, val_sources = [e.source for e in splits["strong_train"]], [e.source for e in splits["val"]]
    gold = [e.target for e in splits["strong_train"]]  # for the diagnostic of the weak preferences only

    def refine():
        val = (student.base.encode(val_sources), val_sources) if val_sources else None
        return dpo_stage(trained[source], student.memory, sources, weak.models, weak.lam, {**d, "lr": dpo_lr(config)},
                         int(config["max_output_length"]), seed, ctx.device, ctx.emit, key=f"dpo/{source}", labels=joint_texts,
                         val=val, gold=gold, length_penalty=length_penalty(config))

    done = ctx.attempt(seed, name, refine)
    if done is None:
        return None
    refined, info = done
    scores[name], predictions[name] = evaluate(config, student, refined)
    before, after = scores[source], scores[name]
    return {"from": source, "lr": dpo_lr(config), **{f"{when}_{f}": s[f] for f in DPO_FIELDS for when, s in (("before", before), ("after", after))},
            **info}


#: Test scores of the DPO stage's source student and of its refined copy, reported side by side.
DPO_FIELDS = ("f1", "slu_f1", "empty_frames", "malformed_frames")

#: The DPO lr when ``dpo.lr`` is absent: the SFT lr (``strong_train.lr``) divided by this.
DPO_LR_DIVISOR = 100


def dpo_lr(config: dict) -> float:
    """``dpo.lr``, or the students' lr / ``DPO_LR_DIVISOR``: DPO at the SFT lr displaces the chosen side's likelihood."""
    lr = config["dpo"].get("lr")
    return float(lr) if lr is not None else float(config["strong_train"]["lr"]) / DPO_LR_DIVISOR
