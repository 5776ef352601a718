"""The recipe skeleton: a seed or method that fails is recorded and the rest go on; summaries skip what failed."""

import math

import pytest
import torch

from ws2s.cache import Cache
from ws2s.recipe import RunContext, format_table, run_seeds, summarise
from ws2s.train.loop import NonFiniteLoss


def context(tmp_path):
    events = []
    return RunContext(torch.device("cpu"), "fp32", Cache(tmp_path, enabled=False), events.append), events


def seed_report(seed, student_f1):
    scores = lambda f1: {"f1": f1, "exact_match": f1 / 2}  # noqa: E731
    return {"seed": seed, "weak": {"w": scores(0.2)}, "weak_mean": scores(0.2), "ensemble": scores(0.3), "ceiling": scores(0.8),
            "students": {n: scores(v) for n, v in student_f1.items()}, "flags": []}


def test_a_failing_method_is_recorded_with_stage_and_step_and_the_seed_goes_on(tmp_path):
    ctx, events = context(tmp_path)

    def one_seed(si, seed):
        students = {"a": 0.5}
        with ctx.timed("student"):
            if ctx.attempt(seed, "b", lambda: (_ for _ in ()).throw(NonFiniteLoss("student/b", 12))) is not None:
                students["b"] = 0.6
        return seed_report(seed, students), [{"seed": seed}]

    per_seed, rows = run_seeds(ctx, [0, 1], one_seed)
    assert [f["step"] for f in ctx.failures] == [12, 12] and {f["stage"] for f in ctx.failures} == {"student"}
    assert per_seed[0]["students"]["b"] == {"status": "failed", "reason": ctx.failures[0]["reason"], "step": 12}
    assert rows == [{"seed": 0}, {"seed": 1}]
    assert any(e["type"] == "log" and e["level"] == "error" and "'b' failed in stage student" in e["message"] for e in events)
    summary = summarise(per_seed, [("a", "xent"), ("b", "soft")], ("f1", "exact_match"))
    assert summary["methods"]["b"] == {"status": "failed", "loss": "soft", "reason": ctx.failures[0]["reason"]}
    assert summary["methods"]["a"]["f1"]["per_seed"] == [0.5, 0.5] and summary["best_method"] == "a"


def test_a_failing_seed_is_skipped_and_the_method_summarised_over_the_seeds_it_finished(tmp_path):
    ctx, _ = context(tmp_path)

    def one_seed(si, seed):
        with ctx.timed("weak"):
            if seed == 1:
                raise RuntimeError("weak model diverged")
        return seed_report(seed, {"a": 0.5 if seed == 0 else 0.6}), []

    per_seed, _ = run_seeds(ctx, [0, 1, 2], one_seed)
    assert [p["seed"] for p in per_seed] == [0, 2]
    assert ctx.failures == [{"seed": 1, "method": None, "stage": "weak", "reason": "RuntimeError: weak model diverged", "step": None}]
    summary = summarise(per_seed, [("a", "xent")], ("f1",))
    assert summary["methods"]["a"]["f1"]["per_seed"] == [0.5, 0.6]
    # PGR of means: (0.55 − 0.2) / (0.8 − 0.2)
    assert summary["methods"]["a"]["pgr"]["pgr"] == pytest.approx(0.35 / 0.6)


def test_when_every_seed_fails_the_run_raises_the_first_error(tmp_path):
    ctx, _ = context(tmp_path)

    def one_seed(si, seed):
        raise ValueError(f"bad seed {seed}")

    with pytest.raises(ValueError, match="bad seed 0"):
        run_seeds(ctx, [0, 1], one_seed)


def test_the_table_shows_every_row_and_the_failures(tmp_path):
    ctx, _ = context(tmp_path)
    ctx.failures.append({"seed": 0, "method": "b", "stage": "student", "reason": "NonFiniteLoss: x", "step": 3})
    per_seed = [seed_report(0, {"a": 0.5, "b": 0.5})]
    per_seed[0]["students"]["b"] = {"status": "failed", "reason": "NonFiniteLoss: x", "step": 3}
    results = {"kind": "generation", "summary": summarise(per_seed, [("a", "xent"), ("b", "soft")], ("f1", "exact_match")),
               "per_seed": per_seed, "seeds": [0], "device": "cpu", "flags": [], "failures": ctx.failures}
    table = format_table(results)
    assert "| f1 (95% t-CI) | exact_match (95% t-CI) |" in table
    # One seed: no interval, shown as "1 seed" (the bootstrap used to print [0.500, 0.500]).
    assert "| student: a | xent | 0.500 (1 seed) | 0.250 (1 seed) | 0.50 (1 seed) | 0.40 (1 seed) | +0.000 (1 seed) | +0.00 (1 seed) |" in table
    assert "| student: b | soft | failed: NonFiniteLoss: x |" in table and "weak joint decoding" in table
    assert "failed: seed 0 b in student at step 3: NonFiniteLoss: x" in table


def test_summary_intervals_are_student_t_and_every_method_has_its_paired_difference_from_naive():
    # f1 per seed: naive a = [0.5, 0.6, 0.7], c = a + [0.10, 0.12, 0.08]; weak 0.2, ceiling 0.8 in every seed.
    per_seed = [seed_report(i, {"a": a, "c": a + d}) for i, (a, d) in enumerate([(0.5, 0.10), (0.6, 0.12), (0.7, 0.08)])]
    s = summarise(per_seed, [("a", "xent"), ("c", "soft")], ("f1", "exact_match"))
    a = s["methods"]["a"]["f1"]
    half = 4.302652729911275 * 0.1 / math.sqrt(3)  # t_{2, 0.975} · sd / √n, sd of [0.5, 0.6, 0.7] = 0.1
    assert a["method"] == "t" and a["n_seeds"] == 3
    assert (a["low"], a["high"]) == (pytest.approx(0.6 - half), pytest.approx(0.6 + half))
    vs = s["methods"]["c"]["vs_naive"]
    dhalf = 4.302652729911275 * 0.02 / math.sqrt(3)  # differences [0.10, 0.12, 0.08]: mean 0.1, sd 0.02
    assert vs["n_seeds"] == 3 and vs["f1"]["diff"] == pytest.approx(0.1)
    assert (vs["f1"]["low"], vs["f1"]["high"]) == (pytest.approx(0.1 - dhalf), pytest.approx(0.1 + dhalf))
    assert vs["pgr"]["diff"] == pytest.approx(0.1 / 0.6)  # per-seed PGR difference = Δf1 / (0.8 − 0.2)
    assert s["methods"]["a"]["vs_naive"]["f1"]["diff"] == 0.0
    pgr = s["methods"]["c"]["pgr"]
    assert pgr["method"] == "t" and pgr["low"] < pgr["pgr"] < pgr["high"]


def test_without_a_naive_method_there_is_no_vs_naive():
    per_seed = [seed_report(i, {"c": 0.5 + i / 10}) for i in range(2)]
    s = summarise(per_seed, [("c", "soft")], ("f1", "exact_match"))
    assert "vs_naive" not in s["methods"]["c"]


def test_compare_adds_scores_to_every_methods_paired_difference_the_naive_one_included():
    per_seed = [seed_report(i, {"a": a, "c": a + d}) for i, (a, d) in enumerate([(0.5, 0.10), (0.6, 0.12), (0.7, 0.08)])]
    s = summarise(per_seed, [("a", "xent"), ("c", "soft")], ("f1", "exact_match"), compare=("exact_match",))
    for name in ("a", "c"):
        assert set(s["methods"][name]["vs_naive"]) == {"f1", "exact_match", "pgr", "n_seeds"}
    assert s["methods"]["a"]["vs_naive"]["exact_match"]["diff"] == 0.0
    # exact_match = f1 / 2 in seed_report: the paired difference halves
    assert s["methods"]["c"]["vs_naive"]["exact_match"]["diff"] == pytest.approx(0.05)


def test_the_table_shows_a_generation_students_token_u_beside_one_minus_max_p(tmp_path):
    per_seed = [seed_report(i, {"a": 0.5, "e": 0.4}) for i in range(2)]
    for p, (u, mp) in zip(per_seed, [(0.7, 0.8), (0.9, 0.86)]):
        p["students"]["e"]["token_uncertainty"] = {"auroc": u, "auroc_max_prob": mp, "mean": 0.1, "std": 0.01}
    results = {"kind": "generation", "summary": summarise(per_seed, [("a", "xent"), ("e", "edl")], ("f1", "exact_match")),
               "per_seed": per_seed, "seeds": [0, 1], "device": "cpu", "flags": [], "failures": []}
    table = format_table(results)
    # t-interval of [0.7, 0.9]: 0.8 ± 12.706 · 0.1414 / √2
    assert "AUROC for its wrong tokens: u 0.800 [-0.471, 2.071], 1 − max p 0.830 [0.449, 1.211]" in table
    assert table.count("token u of") == 1  # the naive student has no token u
    edl_row = next(line for line in table.splitlines() if line.startswith("| student: e |"))
    assert edl_row.rstrip(" |").endswith("0.800 [-0.471, 2.071]")
