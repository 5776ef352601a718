"""Bayesian multi-weak wiring: config rules, label sources, relabelling, prior hardening, model selection, results."""

import pytest
import numpy as np
import torch

from cls_helpers import classification_config, tiny_bert
from results_schema import validate_run
from ws2s.classification import students
from ws2s.classification.checks import check_classification
from ws2s.config import ConfigError, load_config
from ws2s.events import CollectingEmitter
from ws2s.losses import logconf, multi_weak, prior_matched_labels, xent
from ws2s.losses.logconf import harden_to_prior


def two_members(**method):
    return classification_config(weak=[{"name": "bow", "arch": "bow"}, {"name": "cnn", "arch": "cnn"}],
                                 methods=[{"name": "m", **method}])


def check(raw):
    check_classification(load_config(raw), check_data=False)


@pytest.mark.parametrize("method, field, words", [
    ({"loss": "dirichlet_nll"}, "methods[0].weak", 'set weak to "all"'),
    ({"loss": "dirichlet_nll", "weak": "bow"}, "methods[0].weak", 'set weak to "all"'),
    ({"loss": "polya"}, "methods[0].weak", 'set weak to "all"'),
    ({"loss": "polya", "weak": "all", "params": {"form": "nll"}}, "methods[0].params", "accepts"),
    ({"loss": "polya", "weak": "all", "params": {"anneal": 5}}, "methods[0].params", "sensoy"),
    ({"loss": "xent", "weak": "all"}, "methods[0].weak", "learns one set of labels"),
    ({"loss": "xent", "targets": "soft"}, "methods[0].targets", "multi_weak"),
    ({"loss": "xent", "confidence": "relabel"}, "methods[0].confidence", "evidential"),
    ({"loss": "xent", "confidence": "sometimes"}, "methods[0].confidence", ""),
    ({"loss": "multi_weak", "weak": "all", "targets": "medium"}, "methods[0].targets", ""),
])
def test_bad_method_options_fail_before_training_naming_the_field(method, field, words):
    with pytest.raises(ConfigError) as e:
        check(two_members(**method))
    assert e.value.field == field and words in str(e.value)


@pytest.mark.parametrize("method, field", [({"loss": "xent", "weak": "dawid_skene"}, "methods[0].weak"),
                                           ({"loss": "multi_weak", "weak": "all", "weights": "dawid_skene"}, "methods[0].weights")])
def test_dawid_skene_with_one_member_fails_naming_the_field(method, field):
    raw = classification_config(weak=[{"name": "bow", "arch": "bow"}], methods=[{"name": "m", **method}])
    with pytest.raises(ConfigError) as e:
        check(raw)
    assert e.value.field == field and "at least 2 weak members" in str(e.value)


def test_an_unknown_select_fails_naming_the_field():
    with pytest.raises(ConfigError) as e:
        load_config(classification_config(strong_train={"select": "best"}))
    assert e.value.field == "strong_train.select"


def test_check_accepts_every_new_option():
    raw = classification_config(
        weak=[{"name": "bow", "arch": "bow"}, {"name": "cnn", "arch": "cnn"}],
        strong_train={"select": "weak_agreement"},
        methods=[{"name": "edl_all", "loss": "edl", "weak": "all", "weights": "dawid_skene", "confidence": "relabel"},
                 {"name": "dnll", "loss": "dirichlet_nll", "weak": "all", "params": {"smoothing": 0.02}},
                 {"name": "ds", "loss": "xent", "weak": "dawid_skene"},
                 {"name": "mw", "loss": "multi_weak", "weak": "all", "targets": "soft"},
                 {"name": "edl", "loss": "edl", "params": {"schedule": "sensoy", "kl_coef": 0.01, "anneal": 20}}])
    cfg = load_config(raw)
    check_classification(cfg, check_data=False)
    assert cfg["methods"][3]["targets"] == "soft" and cfg["methods"][2]["targets"] == "hard"
    assert cfg["methods"][0]["confidence"] == "relabel" and cfg["methods"][1]["confidence"] == "none"


def fake_weak(probs_by_member):
    return {n: {"probs": {"strong_train": p, "val": p, "test": p}, "holdout_accuracy": 0.8} for n, p in probs_by_member.items()}


def test_multi_weak_hard_targets_are_each_members_argmax_and_soft_is_the_naive_student():
    a = torch.tensor([[0.7, 0.2, 0.1], [0.3, 0.3, 0.4]])
    b = torch.tensor([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    weak = fake_weak({"a": a, "b": b})
    hard = students.weak_targets({"loss": "multi_weak", "weak": "all", "targets": "hard"}, weak, "strong_train")
    assert torch.equal(hard, torch.tensor([[[1.0, 0, 0], [0, 1, 0]], [[0, 0, 1], [0, 0, 1]]]))
    soft = students.weak_targets({"loss": "multi_weak", "weak": "all", "targets": "soft"}, weak, "strong_train")
    logits = torch.randn(2, 3, dtype=torch.float64)
    w = torch.tensor([0.25, 0.75], dtype=torch.float64)
    mean = (0.25 * a + 0.75 * b).double()
    assert multi_weak(logits, soft.double(), w).item() == pytest.approx(xent(logits, mean).item(), rel=1e-6)  # float32 inputs
    assert multi_weak(logits, hard.double(), w).item() != pytest.approx(xent(logits, mean).item(), rel=1e-3)


def test_dawid_skene_source_is_the_em_posterior_and_its_weights_come_from_member_labels():
    torch.manual_seed(0)
    y = torch.randint(0, 3, (300,))
    members = {}
    for name, acc in (("good", 0.9), ("ok", 0.7), ("poor", 0.4)):
        flip = torch.rand(300) > acc
        lab = torch.where(flip, torch.randint(0, 3, (300,)), y)
        members[name] = torch.nn.functional.one_hot(lab, 3).float() * 0.9 + 0.1 / 3
    weak = fake_weak(members)
    post = students.weak_targets({"loss": "xent", "weak": "dawid_skene"}, weak, "strong_train")
    assert post.shape == (300, 3) and torch.allclose(post.sum(-1), torch.ones(300))
    assert (post.argmax(-1) == y).float().mean() >= (members["good"].argmax(-1) == y).float().mean() - 0.02
    test_post = students.weak_targets({"loss": "xent", "weak": "dawid_skene"}, weak, "test")
    assert torch.allclose(test_post, post.float(), atol=1e-4)  # same labels: the E-step gives the fitted posterior
    fn = students.method_loss({"loss": "multi_weak", "weak": "all", "weights": "dawid_skene", "params": {}}, weak,
                              students.weak_targets({"loss": "multi_weak", "weak": "all"}, weak, "strong_train"),
                              {"strong_train": {"epochs": 2}}, 3)
    w = students.ds_fit(weak).weights
    assert w[0] > w[1] > w[2]  # more accurate members weigh more, learned without gold
    assert torch.isfinite(fn(torch.randn(300, 3), students.weak_targets({"loss": "multi_weak", "weak": "all"}, weak, "strong_train"), 0.5))


def test_relabel_takes_the_students_label_where_it_is_surer_than_the_members_agree():
    # 3 members; disagreement d = 1 − plurality share: row 0 all agree (0), row 1 2-of-3 (1/3), row 2 all differ (2/3).
    t = torch.tensor([[[1.0, 0, 0], [1, 0, 0], [1, 0, 0]],
                      [[0, 1, 0], [0, 1, 0], [1, 0, 0]],
                      [[1, 0, 0], [0, 1, 0], [0, 0, 1]]])
    assert np.allclose(students.member_disagreement(t), [0.0, 1 / 3, 2 / 3])
    probs = torch.tensor([[0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8]])
    u = torch.tensor([0.01, 0.5, 0.5])  # row 0: u > d = 0 keeps; row 1: 0.5 > 1/3 keeps; row 2: 0.5 < 2/3 relabels
    new, changed = students.relabel(t, probs, u)
    assert changed.tolist() == [False, False, True]
    assert torch.equal(new[:2], t[:2]) and torch.equal(new[2], torch.tensor([[0.0, 0, 1]] * 3))
    single = torch.tensor([[0.6, 0.4], [0.3, 0.7]])  # one label source: d = 0, nothing changes
    new, changed = students.relabel(single, torch.tensor([[0.1, 0.9], [0.9, 0.1]]), torch.tensor([0.01, 0.01]))
    assert not changed.any() and torch.equal(new, single)


def test_prior_hardening_with_many_classes_keeps_a_perfect_students_labels():
    # The SLURP collapse: 18 classes, batch 64, a perfect student, a near-uniform batch-mean weak label.
    # Exact per-batch matching (what logconf did) relabels a large share; the prior shift keeps them.
    g = torch.Generator().manual_seed(0)
    prior = torch.softmax(torch.randn(18, generator=g), 0)
    y = torch.multinomial(prior, 64, replacement=True, generator=g)
    perfect = torch.nn.functional.one_hot(y, 18).float() * 0.9 + 0.1 / 18
    soft_weak = torch.full((64, 18), 1 / 18) * 0.7 + perfect * 0.3
    exact = prior_matched_labels(perfect, soft_weak.mean(0))
    assert (exact != y).float().mean() > 0.15
    assert torch.equal(harden_to_prior(perfect, prior), y)
    # and it still counters a student drifting to one class: the drifted class gives up its least sure examples
    drift = torch.softmax(torch.log(perfect) + torch.tensor([6.0] + [0.0] * 17), -1)
    assert (drift.argmax(-1) == 0).float().mean() > 0.5
    assert (harden_to_prior(drift, prior) != y).float().mean() < 0.05


def test_two_classes_keep_burns_quantile_threshold_and_logconf_takes_a_global_prior():
    p = torch.tensor([[0.1, 0.9], [0.4, 0.6], [0.7, 0.3], [0.8, 0.2]])
    prior = torch.tensor([0.5, 0.5])
    assert torch.equal(harden_to_prior(p, prior), prior_matched_labels(p, prior))
    logits, q = p.log().double(), torch.tensor([[1.0, 0], [1, 0], [1, 0], [0, 1]], dtype=torch.float64)
    batch = logconf(logits, q, 0.5, prior=None)
    assert logconf(logits, q, 0.5, prior=q.mean(0)).item() == pytest.approx(batch.item())
    assert logconf(logits, q, 0.5, prior=torch.tensor([0.5, 0.5])).item() != pytest.approx(batch.item())


def test_prior_for_is_the_class_balance_of_the_weak_argmax():
    t = torch.tensor([[0.6, 0.4, 0.0], [0.2, 0.3, 0.5], [0.1, 0.8, 0.1], [0.5, 0.4, 0.1]])
    assert torch.allclose(students.prior_for(t), torch.tensor([0.5, 0.25, 0.25]))


def test_evidential_default_is_the_coauthors_schedule_and_sensoy_never_shortens():
    seen = {}

    def spy(z, t, progress, **hyper):
        seen.update(hyper)
        return z.sum()

    import ws2s.classification.students as st
    orig = st.edl_multi
    st.edl_multi = spy
    try:
        weak = fake_weak({"a": torch.tensor([[0.6, 0.4]]), "b": torch.tensor([[0.3, 0.7]])})
        target = st.weak_targets({"loss": "edl", "weak": "all"}, weak, "strong_train")
        call = lambda params, epochs: st.method_loss({"loss": "edl", "weak": "all", "weights": "uniform", "params": params}, weak,
                                                     target, {"strong_train": {"epochs": epochs}}, 2)(torch.zeros(1, 2), target, 0.1)
        call({}, 2)  # default: the co-authors' λ = 1e-4 · step fraction
        assert seen["kl_coef"] == 1e-4 and seen["anneal_frac"] == 1.0
        call({"schedule": "sensoy"}, 20)
        assert seen["kl_coef"] == 1.0 and seen["anneal_frac"] == pytest.approx(0.5)  # 10 of 20 epochs
        call({"schedule": "sensoy"}, 2)
        assert seen["anneal_frac"] == pytest.approx(5.0)  # never shortened: a 2-epoch run ends at λ = 0.2
        call({"schedule": "sensoy", "kl_coef": 0.01, "anneal": 20}, 20)
        assert seen["kl_coef"] == 0.01 and seen["anneal_frac"] == 1.0
        with pytest.raises(ValueError, match="sensoy"):
            call({"anneal": 20}, 20)
    finally:
        st.edl_multi = orig


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory):
    return tiny_bert(tmp_path_factory.mktemp("bert") / "tiny-bert")


def test_a_run_with_every_bayesian_option_reports_uncertainty_and_vs_naive(bert_dir, tmp_path, monkeypatch):
    from ws2s.classification.pipeline import run as run_pipeline

    monkeypatch.setenv("WS2S_CACHE_DIR", str(tmp_path / "cache"))
    best = []
    real_train = students.train

    def spy(*a, **k):
        info = real_train(*a, **k)
        best.append((k["key"], info["best_epoch"], k["epochs"]))
        return info

    monkeypatch.setattr(students, "train", spy)
    cfg = load_config(classification_config(
        seeds=[0, 1], strong={"model": bert_dir, "max_length": 32}, strong_train={"epochs": 3},
        weak=[{"name": "bow", "arch": "bow"}, {"name": "cnn", "arch": "cnn", "params": {"dim": 8, "channels": 8}}],
        methods=[{"name": "naive", "loss": "xent"},
                 {"name": "edl_all", "loss": "edl", "weak": "all", "weights": "dawid_skene", "confidence": "relabel"},
                 {"name": "dnll", "loss": "dirichlet_nll", "weak": "all"},
                 {"name": "polya", "loss": "polya", "weak": "all", "params": {"schedule": "sensoy", "kl_coef": 0.1}},
                 {"name": "ds", "loss": "xent", "weak": "dawid_skene"},
                 {"name": "mw", "loss": "multi_weak", "weak": "all"},
                 {"name": "self", "loss": "edl_self"}]))
    res = run_pipeline(cfg, tmp_path / "run", CollectingEmitter())
    validate_run(tmp_path / "run")
    assert not res["failures"]
    for name, m in res["summary"]["methods"].items():
        assert m["vs_naive"]["n_seeds"] == 2 and m["accuracy"]["method"] == "t", name
    for name in ("edl_all", "dnll", "polya", "self"):
        u = res["per_seed"][0]["students"][name]["uncertainty"]
        assert set(u["selective_accuracy"]) == {"0.5", "0.8"} and "error_auroc" in u, name
        assert "disagreement_auroc" in u, name  # reported for every evidential student (null if the members never disagree)
    assert "uncertainty" not in res["per_seed"][0]["students"]["naive"]
    assert any("/edl_all/seed0/pass1" in k for k, _, _ in best)  # relabel: a second pass
    for key, epoch, epochs in best:  # select "last": students keep the last epoch
        if key.startswith("student/"):
            assert epoch == epochs - 1, key
