"""ws2s GPU benchmark: training throughput and MFU, weak-ensemble labelling, bf16 correctness.

    python/.venv/bin/python bench/gpu/run.py [--cpu] [--json results.json]

On a CUDA machine (H100/H200) it times a ~0.55B decoder and finishes in under 8 minutes.
Without CUDA (or with --cpu) it runs the same code paths at tiny sizes and says so: those numbers
show that the benchmark works, not how fast anything is. Exits non-zero when a section failed or the
bf16 curve did not track the fp32 one. Sections: see training.py, labelling.py, correctness.py, pipeline.py,
generation.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
# The ws2s sources as a fallback, so any Python with torch and transformers runs this (e.g. on a GPU
# machine without the project's venv); an installed ws2s comes first.
sys.path.append(str(HERE.parents[1] / "python" / "src"))

import torch  # noqa: E402
import transformers  # noqa: E402

import correctness  # noqa: E402
import generation  # noqa: E402
import labelling  # noqa: E402
import pipeline  # noqa: E402
import training  # noqa: E402
from hardware import describe_device  # noqa: E402

BUDGET_S = 8 * 60


def _fmt(x, spec: str, none: str = "n/a") -> str:
    return none if x is None else format(x, spec)


def print_table(rows: list[dict], columns: list[tuple]) -> None:
    """columns: (title, width, row -> str); the first column is left-aligned, the others right."""
    def line(cells):
        return " ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, (_, w, _f)) in enumerate(zip(cells, columns)))
    print(line([title for title, _, _ in columns]))
    for r in rows:
        print(line([fn(r) for _, _, fn in columns]))


def print_header(res: dict) -> None:
    dev = res["device"]
    print(f"\nws2s GPU benchmark — device: {dev['name']}; torch {torch.__version__}; "
          f"transformers {transformers.__version__}; bf16 peak: {_fmt(dev['peak_tflops'], '.1f')} TFLOP/s")
    if not dev["cuda"] or res["cpu_part"]:
        print("NOTE: no CUDA GPU was used — this is the CPU part with tiny models. It checks that every code path"
              " runs; its speeds say nothing about GPU throughput, and MFU is not computed.")


def print_training(tr: dict) -> None:
    print(f"\n(a) strong-student training, {tr['params'] / 1e6:.3g}M-parameter decoder; tokens/s and MFU count real tokens, not padding")
    print_table(tr["rows"], [
        ("loop", 74, lambda r: r["name"]),
        ("tokens/s", 10, lambda r: f"{r['tokens_per_s']:.0f}"),
        ("MFU", 7, lambda r: _fmt(r["mfu"], ".1%")),
        ("pad", 6, lambda r: f"{r['pad_share']:.1%}"),
        ("steps", 5, lambda r: str(r["steps"])),
        ("peak GB", 8, lambda r: _fmt(r["peak_mem_gb"], ".1f")),
    ])
    print(f"speed-up ws2s / reference: {tr['speedup']:.2f}x   (targets on H100/H200: MFU >= 40%, >= 2x)")


def print_labelling(lb: dict) -> None:
    print(f"\n(b) weak-ensemble labelling, {lb['n_examples']} examples (examples/s)")
    print_table(lb["rows"], [
        ("member", 24, lambda r: r["name"]),
        ("plain fp32", 11, lambda r: f"{r['plain_per_s']:.1f}"),
        ("ws2s bf16", 10, lambda r: f"{r['fast_per_s']:.1f}"),
        ("speed-up", 9, lambda r: f"{r['fast_per_s'] / r['plain_per_s']:.2f}x"),
        ("max |dp|", 9, lambda r: f"{r['max_prob_diff']:.4f}"),
        ("argmax =", 9, lambda r: f"{r['argmax_agree']:.1%}"),
    ])


def print_correctness(co: dict) -> None:
    verdict = ("tracks" if co["ok"] else "DOES NOT TRACK") + ("" if co["learned"] else "; the model did not learn")
    print(f"\n(c) bf16 vs fp32 loss curve, tiny decoder, {co['steps']} steps: max relative gap "
          f"{co['max_rel_gap']:.2%} (tolerance {co['tolerance']:.0%}) -> {verdict}; loss "
          f"{co['fp32_first']:.3f} -> fp32 {co['fp32_last']:.3f} / bf16 {co['bf16_last']:.3f}")


def print_pipeline(pl: dict) -> None:
    print(f"\n(d) classification pipeline (weak members -> weak labels -> ceiling -> students), tiny HF models "
          f"from configs (hidden {pl['hidden']}, {pl['layers']} layers, random weights), {pl['size']} examples, 1 seed")
    methods = list(pl["rows"][0]["students"])
    print_table(pl["rows"], [
        ("strong model", 42, lambda r: r["name"]),
        ("device", 11, lambda r: f"{r['device']} {r['precision']}"),
        ("s", 6, lambda r: f"{r['seconds']:.1f}"),
        ("weak", 6, lambda r: f"{r['weak_mean']:.3f}"),
        ("ceiling", 7, lambda r: f"{r['ceiling']:.3f}"),
        *[(m, 8, lambda r, m=m: f"{r['students'][m]:.3f}") for m in methods],
    ])
    print("accuracy on test; the strong models have random weights, so this checks the device path, not PGR"
          + ("" if pl["ok"] else " -- CHECK FAILED (a run did not finish, or a ceiling did not learn)"))


PRINTERS = {"training": print_training, "labelling": print_labelling, "correctness": print_correctness,
            "pipeline": print_pipeline, "generation": generation.print_generation}


def print_footer(res: dict) -> None:
    for name, err in res["errors"].items():
        print(f"\nsection {name} FAILED:\n{err}")
    for name in res["skipped"]:
        print(f"\nsection {name} skipped: the {BUDGET_S // 60}-minute budget was spent")
    print(f"\ntotal {res['seconds']:.0f} s")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpu", action="store_true", help="run the tiny CPU part even when CUDA is available")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    cpu_part = args.cpu or not torch.cuda.is_available()
    device = torch.device("cpu" if cpu_part else "cuda")
    threads = torch.get_num_threads()
    if cpu_part:
        torch.set_num_threads(1)  # tiny models: threads only fight each other (and other jobs) for the cores
    transformers.logging.set_verbosity_error()  # the fast path leaves out masks on purpose; HF warns about it
    dev = describe_device() if not cpu_part else {**describe_device(), "peak_tflops": None}
    res: dict = {"device": dev, "cpu_part": cpu_part, "errors": {}, "skipped": []}
    sections = {
        "training": lambda: training.run_training(training.CPU if cpu_part else training.GPU, device,
                                                  dev["peak_tflops"]),
        "labelling": lambda: labelling.run_labelling(labelling.CPU if cpu_part else labelling.GPU, device),
        "correctness": lambda: correctness.run_correctness(device, compiled=not cpu_part),
        "pipeline": lambda: pipeline.run_pipeline_check(device, cpu_part),
        "generation": lambda: generation.run_generation(device, cpu_part),
    }
    print_header(res)
    for name, fn in sections.items():  # each section prints as it ends: a run cut short still shows what finished
        if time.perf_counter() - t0 > BUDGET_S:
            res["skipped"].append(name)
            continue
        t1 = time.perf_counter()
        try:
            res[name] = fn()
            PRINTERS[name](res[name])
        except Exception:  # one broken section must not hide the others' numbers
            res["errors"][name] = traceback.format_exc()
            print(f"\nsection {name} FAILED after {time.perf_counter() - t1:.0f} s (traceback at the end)")
        print(f"[{name}: {time.perf_counter() - t1:.0f} s]", flush=True)
        if device.type == "cuda":
            torch.cuda.empty_cache()
        if args.json:
            args.json.write_text(json.dumps(res, indent=2, default=str))
    torch.set_num_threads(threads)
    res["seconds"] = time.perf_counter() - t0
    co = res.get("correctness", {})
    res["ok"] = (not res["errors"] and not res["skipped"] and co.get("ok", False) and co.get("learned", False)
                 and res.get("pipeline", {}).get("ok", False) and res.get("generation", {}).get("ok", False))

    print_footer(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    sys.exit(0 if main()["ok"] else 1)
