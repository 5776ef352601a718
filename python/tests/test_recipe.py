"""The recipe skeleton: a seed or method that fails is recorded and the rest go on; summaries skip what failed."""

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
    assert "| f1 (95% CI) | exact_match (95% CI) |" in table
    assert "| student: a | xent | 0.500 [0.500, 0.500] | 0.250 [0.250, 0.250] | 0.50 [0.50, 0.50] | 0.40 [0.40, 0.40] |" in table
    assert "| student: b | soft | failed: NonFiniteLoss: x |" in table and "weak joint decoding" in table
    assert "failed: seed 0 b in student at step 3: NonFiniteLoss: x" in table
