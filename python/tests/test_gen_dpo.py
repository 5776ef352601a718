"""The generation DPO stage: per-word ranking, per-pair ε, policy and reference scored alike."""

import math

import pytest
import torch

from ws2s.events import CollectingEmitter
from ws2s.generation.beam import beam_search
from ws2s.generation.dpo import dpo_stage, gold_preference, pair_epsilons, preference_accuracy, preference_pairs
from ws2s.generation.models.student import PACKAGED, resolve_model_path
from ws2s.generation.models.weak import TinySeq2Seq
from ws2s.generation.scoring import token_logprobs, word_scores
from ws2s.generation.tokenizers import HFTokenizer, ShortlistTokenizer, WordTokenizer

SOURCES = ["call mary tomorrow", "play imagine", "wake me at six", "turn the lights off"]
LABELS = ["person : mary ; date : tomorrow", "song _ name : imagine", "time : six", "device : lights"]


@pytest.fixture(scope="module")
def models():
    hf = HFTokenizer(resolve_model_path(PACKAGED))
    tok = ShortlistTokenizer.from_texts(hf, SOURCES + LABELS)
    torch.manual_seed(0)
    student = TinySeq2Seq(tok, dim=16, layers=1, heads=2, ff=32, dropout=0.3)
    weak = [TinySeq2Seq(tok, dim=16, layers=1, heads=2, ff=32), TinySeq2Seq(tok, dim=16, layers=1, heads=2, ff=32)]
    return student, weak


def test_epsilon_is_the_ensembles_probability_of_the_other_preference():
    pairs = [{"p": 0.9}, {"p": 0.55}, {"p": 0.3}]
    assert pair_epsilons(pairs, "uncertainty").tolist() == pytest.approx([0.1, 0.45, 0.49])
    assert pair_epsilons(pairs, 0.2).tolist() == pytest.approx([0.2] * 3)
    with pytest.raises(ValueError, match="label_smoothing"):
        pair_epsilons(pairs, 0.7)


def test_word_scores_are_per_word_and_leave_out_unknown_words():
    tok = WordTokenizer.build(["a b c"])
    torch.manual_seed(0)
    m = TinySeq2Seq(tok, dim=8, layers=1, heads=2, ff=16).eval()
    memory = m.encode(["x", "x"])
    texts = ["a b", "a zzz"]  # zzz is unknown to the weak model: read as <unk>, left out
    s = word_scores(m, memory, [0, 1], texts)
    lp = token_logprobs(m, memory, [0, 1], [tok.encode(t) + [tok.eos_id] for t in texts])
    assert float(s[0]) == pytest.approx(float(lp[0].sum()) / 3)
    assert float(s[1]) == pytest.approx(float(lp[1][0] + lp[1][2]) / 3)


def test_disagree_pairs_prefer_the_side_the_ensemble_scores_higher_per_word(models):
    student, weak = models
    student.eval()
    memory = student.encode(SOURCES)
    lam = torch.tensor([0.5, 0.5], dtype=torch.float64)
    pairs = preference_pairs(student, memory, SOURCES, weak, lam, 2, 12, "disagree", LABELS)
    assert pairs, "an untrained student disagrees with the labels"
    tok = student.tokenizer
    for p in pairs:
        texts = [tok.decode(p["chosen"]), tok.decode(p["rejected"])]
        s = torch.stack([word_scores(m, m.encode(SOURCES), [p["row"]] * 2, texts) for m in weak], 1) @ lam
        assert float(s[0]) >= float(s[1])
        assert 0.0 <= p["p"] <= 1.0


def test_policy_is_scored_in_the_references_mode_so_rewards_start_at_zero(models):
    # HEAD scored the policy with dropout on and the reference with it off: on identical weights the
    # chosen side lost and the rejected side gained (reward accuracy 0.27, margin −0.09 at step 0).
    student, weak = models
    memory = student.encode(SOURCES)
    emit = CollectingEmitter()
    cfg = {"candidates": 2, "beta": 0.1, "label_smoothing": 0.1, "sft_coef": 0.0, "epochs": 1, "lr": 1e-12, "batch_size": 64}
    _, info = dpo_stage(student, memory, SOURCES, weak, torch.tensor([0.5, 0.5]), cfg, 12, 0, torch.device("cpu"), emit,
                        labels=LABELS)
    assert info["pairs"] > 0
    first = [e["value"] for e in emit.events if e["type"] == "metric" and e["key"] == "dpo/rewards/margins"][0]
    chosen = [e["value"] for e in emit.events if e["type"] == "metric" and e["key"] == "dpo/rewards/chosen"][0]
    assert abs(first) < 1e-5 and abs(chosen) < 1e-5
    assert len(info["epochs"]) == 1 and abs(info["epochs"][0]["reward_margin"]) < 1e-5


def test_pairs_that_differ_in_a_word_no_weak_model_can_read_are_left_out():
    from ws2s.generation.dpo import unknown_words

    tok = WordTokenizer.build(["person : mary", "person : john"])
    weak = [TinySeq2Seq(tok, dim=8, layers=1, heads=2, ff=16)]
    assert unknown_words(weak, "person : george") == ["george"]
    assert unknown_words(weak, "person : mary") == []


def test_unknown_words_drop_keeps_only_pairs_the_ensemble_can_judge(models):
    student, _ = models
    student.eval()
    memory = student.encode(SOURCES)
    # weak models that know the labels' words only: every student hypothesis with another word is unjudgeable
    tok = WordTokenizer.build(LABELS)
    torch.manual_seed(1)
    weak = [TinySeq2Seq(tok, dim=16, layers=1, heads=2, ff=32)]
    lam = torch.tensor([1.0], dtype=torch.float64)
    keep = preference_pairs(student, memory, SOURCES, weak, lam, 2, 12, "disagree", LABELS, unknown="keep")
    drop = preference_pairs(student, memory, SOURCES, weak, lam, 2, 12, "disagree", LABELS, unknown="drop")
    from ws2s.generation.dpo import unknown_words

    st = student.tokenizer
    assert len(drop) < len(keep)
    for p in drop:
        assert unknown_words(weak, st.decode(p["chosen"])) == unknown_words(weak, st.decode(p["rejected"]))
    with pytest.raises(ValueError, match="unknown_words"):
        preference_pairs(student, memory, SOURCES, weak, lam, 2, 12, "disagree", LABELS, unknown="maybe")


def toy_memory(student):
    with torch.no_grad():  # the toy's encoder stays fixed, as the copy student's frozen encoder does
        return student.encode(SOURCES)


def test_weak_rank_pairs_are_the_best_and_worst_of_the_students_own_nbest(models):
    student, weak = models
    student.eval()
    memory = toy_memory(student)
    lam = torch.tensor([0.7, 0.3], dtype=torch.float64)
    pairs = preference_pairs(student, memory, SOURCES, weak, lam, 6, 12, "weak_rank", unknown="keep")
    assert pairs
    tok = student.tokenizer
    nbest = beam_search(student, memory, beam_size=6, max_len=12)
    for p in pairs:
        texts = list(dict.fromkeys(tok.decode(h.ids) for h in nbest[p["row"]]))
        assert p["chosen_text"] in texts and p["rejected_text"] in texts
        texts += [p["chosen_text"], p["rejected_text"]]
        s = (torch.stack([word_scores(m, m.encode(SOURCES), [p["row"]] * len(texts), texts) for m in weak], 1).double() @ lam).tolist()
        assert s[-2] == pytest.approx(max(s[:-2]), abs=1e-5) and s[-1] == pytest.approx(min(s[:-2]), abs=1e-5)
        # p: the λ-weighted probability that a member prefers the chosen side, σ of its per-word score difference
        d = [float(word_scores(m, m.encode(SOURCES), [p["row"]] * 2, texts[-2:]).double().diff().neg()) for m in weak]
        assert p["p"] == pytest.approx(sum(w / (1 + math.exp(-x)) for w, x in zip(lam.tolist(), d)), abs=1e-6)
        assert not p["chosen_is_label"]


def test_chosen_likelihood_rises_over_dpo_training_on_a_toy_task(models):
    # likelihood displacement (the chosen side's log p falling while the margin grows) is what the defaults must
    # avoid: own-N-best pairs, no SFT term; here the chosen side's log p must rise and the rejected side's fall
    student, weak = models
    memory = toy_memory(student)
    cfg = {"candidates": 10, "beta": 0.1, "label_smoothing": "uncertainty", "sft_coef": 0.0, "epochs": 5, "lr": 1e-3,
           "batch_size": 2, "select": "last"}
    policy, info = dpo_stage(student, memory, SOURCES, weak, torch.tensor([0.5, 0.5]), cfg, 12, 0, torch.device("cpu"),
                             CollectingEmitter())
    assert info["pairs"] >= 3 and info["epochs_kept"] == 5
    assert info["logp_chosen_after"] > info["logp_chosen_before"] + 0.5
    assert info["logp_rejected_after"] < info["logp_rejected_before"]
    assert [e["logp_chosen"] for e in info["epochs"]] == sorted(e["logp_chosen"] for e in info["epochs"])
    assert info["rewards/margins"] > 0 and policy is not student


def test_the_student_is_kept_when_no_epoch_beats_it_on_val_pairs(models):
    student, weak = models
    memory = toy_memory(student)
    cfg = {"candidates": 10, "beta": 0.1, "label_smoothing": 0.0, "epochs": 2, "lr": 1e-12, "batch_size": 64}
    lam = torch.tensor([0.5, 0.5])
    policy, info = dpo_stage(student, memory, SOURCES, weak, lam, cfg, 12, 0, torch.device("cpu"), CollectingEmitter(),
                             val=(memory, SOURCES))
    assert info["select"] == "val_preference" and info["val_pairs"] > 0
    assert policy is student and info["epochs_kept"] == 0
    assert info["val_preference_after"] == info["val_preference_before"]
    # with a real step size the val accuracy (the same inputs here) rises and an epoch is kept
    policy, info = dpo_stage(student, memory, SOURCES, weak, lam, {**cfg, "lr": 1e-2, "epochs": 3, "batch_size": 2},
                             12, 0, torch.device("cpu"), CollectingEmitter(), val=(memory, SOURCES))
    assert info["epochs_kept"] >= 1 and policy is not student
    assert info["val_preference_after"] > info["val_preference_before"]
    best = max(e["val_preference_accuracy"] for e in info["epochs"])
    assert info["val_preference_after"] == pytest.approx(best)
    assert info["val_preference_after"] == pytest.approx(preference_accuracy(policy, memory, preference_pairs(
        student, memory, SOURCES, weak, lam, 10, 12, "weak_rank")))


def test_gold_preference_counts_only_the_pairs_gold_decides():
    pairs = [
        {"row": 0, "chosen_text": "date : today", "rejected_text": "date : tomorrow"},   # right
        {"row": 0, "chosen_text": "date : x", "rejected_text": "date : today"},          # wrong
        {"row": 1, "chosen_text": "", "rejected_text": "time : noon"},                   # right: gold is empty
        {"row": 0, "chosen_text": "date : a", "rejected_text": "date : b"},              # both F1 0: undecided
    ]
    assert gold_preference(pairs, ["date : today", ""]) == {"gold_decided": 3, "gold_accuracy": pytest.approx(2 / 3)}
    assert gold_preference(pairs[3:], ["date : today"]) == {"gold_decided": 0, "gold_accuracy": None}
