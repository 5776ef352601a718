"""(d) The classification pipeline end to end on the benchmark's device, with tiny HF models built from configs.

Issue 3's GPU check: ``ws2s.classification.pipeline.run`` — weak members, weak labels, the ceiling and
the students, with the strong model loaded by path like any Hugging Face model — on CUDA in bf16. The
strong models have random weights (no hub here), so the numbers say that the CUDA path trains and
evaluates, not how much of the gap a pretrained model recovers: the check is that every stage runs,
every number is finite, and the ceiling (trained on gold labels) learns the task.

Runs: a BERT-style encoder fully fine-tuned, a Llama-style decoder with LoRA adapters pooled at its last
real token, and a linear probe on the encoder's frozen features.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import torch

from ws2s.config import load_config
from ws2s.events import CollectingEmitter

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
FILLER = [f"w{i}" for i in range(200)]
CUES = {name: [f"{name}{i}" for i in range(10)] for name in ("a", "b", "c", "d")}


def task_vocabulary() -> list[str]:
    return SPECIALS + FILLER + [w for cues in CUES.values() for w in cues]


def write_task(path: Path, size: int, seed: int = 0) -> str:
    """A JSONL task: each text holds one cue from {a, b}, which decides the label, and one distractor
    from {c, d}, among filler words. Any of the models can learn it; the check is that they do on CUDA."""
    import json
    import random

    rng = random.Random(seed)
    lines = []
    for _ in range(size):
        kind = rng.choice("ab")
        words = rng.sample(FILLER, rng.randint(6, 14))
        for cue in (rng.choice(CUES[kind]), rng.choice(CUES[rng.choice("cd")])):
            words.insert(rng.randint(0, len(words)), cue)
        lines.append(json.dumps({"text": " ".join(words), "label": int(kind == "a")}))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _save_tokenizer(path: Path, vocab: list[str]) -> None:
    from transformers import BertTokenizerFast

    path.mkdir(parents=True, exist_ok=True)
    tok = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)})  # transformers 5 ignores vocab_file= here
    if tok.tokenize(vocab[-1]) != [vocab[-1]]:
        raise RuntimeError("the word-level tokenizer does not know its own vocabulary")
    tok.save_pretrained(path)


def build_models(root: Path, hidden: int, layers: int) -> dict[str, str]:
    """A BERT-style encoder and a Llama-style decoder with random weights, saved with a word-level tokenizer."""
    from transformers import BertConfig, BertModel, LlamaConfig, LlamaModel

    vocab = task_vocabulary()
    heads = max(1, hidden // 32)
    torch.manual_seed(0)
    bert = root / "tiny-bert"
    _save_tokenizer(bert, vocab)
    BertModel(BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                         intermediate_size=4 * hidden, max_position_embeddings=128)).save_pretrained(bert)
    llama = root / "tiny-llama"
    _save_tokenizer(llama, vocab)
    LlamaModel(LlamaConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                           num_key_value_heads=heads, intermediate_size=4 * hidden, max_position_embeddings=128,
                           pad_token_id=0)).save_pretrained(llama)
    return {"bert": str(bert), "llama": str(llama)}


def experiment(task: str, strong: dict, device: str, precision: str, epochs: int, lr: float = 3e-3) -> dict:
    """A smoke-sized experiment on the cue task: two weak members, three student losses, one seed."""
    return load_config({
        "name": "gpu check", "kind": "classification", "seeds": [0], "device": device, "precision": precision,
        "cache": False,
        "task": {"source": "jsonl", "path": task},
        "weak": [{"name": "bow", "arch": "bow"}, {"name": "cnn", "arch": "cnn", "params": {"dim": 16, "channels": 16}}],
        "methods": [{"name": "naive", "loss": "xent"}, {"name": "logconf", "loss": "logconf"}, {"name": "edl", "loss": "edl"}],
        "weak_train": {"epochs": 10, "lr": 0.01, "batch_size": 16},
        "strong_train": {"epochs": epochs, "lr": lr},
        "strong": {"max_length": 32, **strong},
    })


def run_one(name: str, config: dict, out_dir: Path) -> dict:
    from ws2s.classification.pipeline import run as run_pipeline

    emit = CollectingEmitter()
    t0 = time.perf_counter()
    results = run_pipeline(config, out_dir, emit)
    seconds = time.perf_counter() - t0
    seed = results["per_seed"][0]
    methods = results["summary"]["methods"]
    row = {
        "name": name, "device": config["device"], "precision": config["precision"], "seconds": seconds,
        "weak_mean": sum(m["accuracy"] for m in seed["weak"].values()) / len(seed["weak"]),
        "ceiling": seed["ceiling"]["accuracy"],
        "students": {m: methods[m]["accuracy"]["mean"] for m in methods},
        "pgr": {m: methods[m]["pgr"]["pgr"] for m in methods},
        "results_written": (out_dir / "results.json").exists(),
    }
    numbers = [row["weak_mean"], row["ceiling"], *row["students"].values()]
    row["finite"] = all(isinstance(x, float) and math.isfinite(x) for x in numbers)
    return row


def run_pipeline_check(device: torch.device, cpu_part: bool) -> dict:
    """Rows for each strong-model mode; ``ok`` when every run finished with finite numbers and wrote its
    results, and — on CUDA, where the models and data are big enough to learn — the fine-tuned ceilings
    learned (accuracy ≥ 0.75 on a balanced binary task)."""
    size, epochs, hidden, layers = (400, 3, 32, 1) if cpu_part else (3000, 6, 256, 4)
    dev = device.type
    precision = "bf16" if dev == "cuda" else "fp32"
    # learning rates: 3e-3 (the config default, made for probes and adapters) diverges when every weight
    # of the 4-layer encoder trains -- on an H200 the ceiling stayed at chance in bf16 and fp32 alike,
    # while 3e-4 reached 1.000 in both
    runs = [
        ("bert, full fine-tune, lr 3e-4", {"mode": "full"}, 3e-4),
        ("llama, LoRA r8, last-token pooling", {"mode": "lora", "lora_rank": 8, "pooling": "last"}, 3e-3),
        ("bert, linear probe", {"mode": "linear_probe"}, 3e-3),
    ]
    rows = []
    with tempfile.TemporaryDirectory(prefix="ws2s-gpu-pipeline-") as tmp:
        paths = build_models(Path(tmp), hidden, layers)
        task = write_task(Path(tmp) / "xor.jsonl", size)
        for i, (name, strong, lr) in enumerate(runs):
            model = paths["llama" if name.startswith("llama") else "bert"]
            config = experiment(task, {"model": model, **strong}, dev, precision, epochs, lr)
            rows.append(run_one(name, config, Path(tmp) / f"run{i}"))
    learned = [r for r in rows if "linear probe" not in r["name"]]  # a probe on random features need not learn
    ok = all(r["finite"] and r["results_written"] for r in rows) and (cpu_part or all(r["ceiling"] >= 0.75 for r in learned))
    return {"rows": rows, "size": size, "hidden": hidden, "layers": layers, "ok": ok}
