"""One registry of student methods for both kinds; the names the JSON Schema offers come from it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ws2s.errors import ConfigError
from ws2s.losses import LOSSES, member_weights
from ws2s.methods import METHODS, check_params, get_method, loss_params, methods_for
from ws2s.pipelines import registries

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "packages" / "schema" / "src" / "registries.json"


def test_each_kind_has_its_own_methods():
    assert "soft" in methods_for("generation") and "soft" not in methods_for("classification")
    assert "logconf" in methods_for("classification") and "logconf" not in methods_for("generation")
    assert {"xent", "multi_weak", "edl", "edl_self"} <= set(methods_for("classification")) & set(methods_for("generation"))


def test_entries_say_what_a_method_is():
    assert METHODS["multi_weak"].multi and not METHODS["xent"].multi
    assert METHODS["edl"].evidential and METHODS["edl_self"].evidential and not METHODS["logconf"].evidential
    assert METHODS["soft"].kinds == ("generation",)


def test_every_registered_method_has_an_implementation_in_each_kind_it_lists():
    from ws2s.generation.students import STEPS

    assert set(methods_for("generation")) == set(STEPS)
    assert set(methods_for("classification")) <= set(LOSSES)


def test_classification_params_are_the_loss_functions_keyword_arguments():
    # Evidential students name a KL schedule (and its ramp in epochs, anneal) instead of the loss's anneal_frac.
    for name, method in methods_for("classification").items():
        expected = tuple(q for p in loss_params(LOSSES[name]) for q in (("anneal", "schedule") if p == "anneal_frac" else (p,)))
        assert sorted(method.params["classification"]) == sorted(expected), name


def test_unknown_method_or_parameter_names_the_valid_ones():
    with pytest.raises(ValueError, match=r'unknown generation loss "logconf".*soft'):
        get_method("logconf", "generation")
    with pytest.raises(ValueError, match=r"does not take nope; it accepts: tau, spread, targets"):
        check_params("soft", "generation", {"nope": 1})
    check_params("soft", "generation", {"targets": "one_best", "tau": 1.0})
    check_params("edl", "generation", {"form": "dir_loss", "kl_coef": 0.1, "targets": "posterior"})
    with pytest.raises(ValueError, match=r"does not take uncertainty"):  # edl's logits carry its precision
        check_params("edl", "generation", {"uncertainty": 1e-3})
    with pytest.raises(ValueError, match=r"does not take smoothing"):  # the precision-head form is gone
        check_params("edl", "generation", {"smoothing": 0.1})


def test_every_generation_parameter_the_registry_accepts_reaches_a_working_step():
    """A param the registry accepts is one the method's step takes (it used to reject targets and smoothing)."""
    import torch
    from ws2s.generation.students import prepare
    from ws2s.generation.students import WeakLabels
    from ws2s.generation.teacher_forcing import target_batches
    from ws2s.generation.models.student import CopyStudent

    values = {"tau": 1.0, "spread": "uniform", "targets": "one_best", "kl_coef": 0.05, "form": "dir_loss", "anneal_frac": 0.5,
              "uncertainty": 1e-2, "evidence": "exp", "aux_coef": 0.5, "warmup_frac": 0.1}
    torch.manual_seed(0)
    s = CopyStudent(layers=1)
    labels = WeakLabels(["person : mary"], [[-0.1] * 4], [["person : mary"]], [[{"person": 1.0}, {":": 1.0}, {"mary": 1.0}, {"</s>": 1.0}]])
    memory = s.encode(["call mary"])
    for name, method in methods_for("generation").items():
        params = {p: values[p] for p in method.params["generation"]}
        targets, extra, tensors, make_step = prepare({"loss": name, "params": params}, labels, s.tokenizer, torch.ones(1, dtype=torch.float64))
        batch = target_batches(targets, s.tokenizer.pad_id, 1, 0, extra, tensors)(0)[0]
        assert torch.isfinite(make_step(memory)(s, batch, 0.5)), name


def test_a_generation_method_with_an_unknown_parameter_fails_naming_the_field():
    from gen_helpers import smoke
    from ws2s.config import load_config

    with pytest.raises(ConfigError, match=r"methods\[0\]\.params"):
        load_config(smoke(methods=[{"name": "a", "loss": "soft", "params": {"temperature": 2}}]))


def test_member_weights_from_a_config_value():
    assert torch.allclose(member_weights("uniform", [0.1, 0.9, 0.5]), torch.full((3,), 1 / 3, dtype=torch.float64))
    assert torch.allclose(member_weights([1, 3], [0.0, 0.0]), torch.tensor([0.25, 0.75], dtype=torch.float64))
    # accuracies 0.6 and 0.9 above chance 0.5: weights ∝ 0.1 and 0.4
    assert torch.allclose(member_weights("reliability", [0.6, 0.9], chance=0.5), torch.tensor([0.2, 0.8], dtype=torch.float64))
    # log-likelihoods −1 and −2: softmax → e^-1 / (e^-1 + e^-2)
    w = member_weights("reliability", [-1.0, -2.0])
    assert abs(float(w[0]) - 1 / (1 + torch.e**-1)) < 1e-12
    with pytest.raises(ValueError, match="uniform"):
        member_weights("votes", [0.5])


def test_registries_lists_sorted_names_per_kind():
    r = registries()
    assert set(r) == {"classification", "generation"}
    for kind, names in r.items():
        assert set(names) == {"losses", "weak_archs", "tasks"}
        assert all(v == sorted(v) and v for v in names.values()), kind
    assert r["generation"]["weak_archs"] == ["causal_lm", "copy", "seq2seq", "transformer"]
    assert r["classification"]["tasks"] == ["synonyms"] and r["generation"]["tasks"] == ["assistant"]


def test_the_cli_prints_the_registries_as_json():
    out = subprocess.run([sys.executable, "-m", "ws2s", "registries"], capture_output=True, text=True, check=True, timeout=300)
    assert json.loads(out.stdout) == registries()


def test_the_committed_registries_json_is_not_stale():
    if not COMMITTED.exists():
        pytest.skip(f"{COMMITTED.relative_to(ROOT)} is not written yet (packages/schema's gen command writes it)")
    assert json.loads(COMMITTED.read_text()) == registries(), (
        "packages/schema/src/registries.json differs from the Python registries; regenerate it with the schema package's gen command")
