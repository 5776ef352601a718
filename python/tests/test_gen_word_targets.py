import math

import pytest
import torch

from ws2s.generation.word_targets import soft_targets, spread_weights, token_shares, word_logprobs
from ws2s.generation.models.student import PACKAGED, resolve_model_path
from ws2s.generation.tokenizers import CharTokenizer, HFTokenizer, WordTokenizer


@pytest.fixture(scope="module")
def student_tok():
    return HFTokenizer(resolve_model_path(PACKAGED))


def test_char_tokens_group_into_the_canonical_words():
    tok = CharTokenizer.build(["date : tomorrow ' s"])
    ids = tok.encode("date : tomorrow ' s")
    words = ["".join(tok.vocab[ids[p]] for p in g).strip() for g in tok.words(ids)]
    assert words == "date : tomorrow ' s".split()
    assert sum(len(g) for g in tok.words(ids)) == len(ids)


def test_word_tokenizer_maps_unseen_words_to_unk():
    tok = WordTokenizer.build(["play imagine"])
    assert tok.encode("play halo") == [tok.index["play"], tok.unk_id]


@pytest.mark.parametrize("tau", [None, 0.5, 2.0])
def test_bridge_conserves_each_weak_word_probability(student_tok, tau):
    weak = CharTokenizer.build(["event _ name : dentist appointment ; date : tomorrow"])
    text = "event _ name : dentist appointment ; date : tomorrow"
    ids = weak.encode(text)
    g = torch.Generator().manual_seed(0)
    lps = (-torch.rand(len(ids) + 1, generator=g, dtype=torch.float64)).tolist()  # + eos
    groups = weak.words(ids)
    word_lp = word_logprobs(lps, groups)
    assert len(word_lp) == len(text.split()) + 1
    assert sum(word_lp) == pytest.approx(sum(lps))

    words = text.split()
    s_ids, word_of = student_tok.encode_words(words)
    s_ids, word_of = s_ids + [student_tok.eos_id], torch.tensor(word_of + [len(words)])
    assert len(s_ids) != len(ids) + 1  # a different tokenizer for real
    max_prob = None if tau is None else torch.rand(len(s_ids), generator=g)
    share = token_shares(word_lp, word_of, max_prob, tau or 1.0)
    for w, lp in enumerate(word_lp):
        prod = math.prod(math.exp(s) for s, o in zip(share.tolist(), word_of.tolist()) if o == w)
        assert prod == pytest.approx(math.exp(lp), rel=1e-12)


def test_spread_weights_favour_the_less_confident_token_within_a_word():
    pi = spread_weights(torch.tensor([0, 0, 1]), torch.tensor([0.9, 0.1, 0.5]), tau=0.5)
    expected = [math.exp(-0.9 / 0.5) / (math.exp(-0.9 / 0.5) + math.exp(-0.1 / 0.5))]
    assert pi[0].item() == pytest.approx(expected[0])
    assert pi[1].item() == pytest.approx(1 - expected[0])
    assert pi[2].item() == pytest.approx(1.0)
    assert spread_weights(torch.tensor([0, 0, 0, 1]), None).tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3, 1])


def test_soft_targets_sum_to_one_carry_no_grad_and_match_the_formula():
    logits = torch.randn(4, 7, requires_grad=True)
    p = logits.softmax(-1)
    hyp = torch.tensor([1, 0, 6, 3])
    share = torch.tensor([-0.1, -2.0, 0.0, -0.5], dtype=torch.float64)
    q = soft_targets(p, hyp, share)
    assert not q.requires_grad
    assert torch.allclose(q.sum(-1), torch.ones(4), atol=1e-6)
    # independent float64 loop
    pd = p.detach().double()
    for t in range(4):
        c = math.exp(share[t])
        y = hyp[t].item()
        for v in range(7):
            want = c if v == y else (1 - c) * pd[t, v].item() / (1 - pd[t, y].item())
            assert q[t, v].item() == pytest.approx(want, abs=1e-6)


def test_soft_targets_guard_a_student_certain_of_the_hypothesis_token():
    p = torch.tensor([[0.0, 1.0, 0.0]])
    q = soft_targets(p, torch.tensor([1]), torch.tensor([-0.7], dtype=torch.float64))
    assert torch.isfinite(q).all()
    assert q[0].tolist() == pytest.approx([(1 - math.exp(-0.7)) / 2, math.exp(-0.7), (1 - math.exp(-0.7)) / 2])


def test_shortlist_tokenizer_round_trips_and_maps_other_tokens_to_unk(student_tok):
    from ws2s.generation.tokenizers import ShortlistTokenizer

    short = ShortlistTokenizer.from_texts(student_tok, ["date : tomorrow", "call mary"])
    assert short.decode(short.encode("call mary tomorrow")) == "call mary tomorrow"
    assert short.encode("zebra") == [short.unk_id] * len(student_tok.encode("zebra"))
    assert len({short.pad_id, short.bos_id, short.eos_id, short.unk_id}) == 4 < short.vocab_size < 20
    ids, word_of = short.encode_words(["event_name", ":", "call"])
    assert len(ids) == len(word_of) and word_of[-1] == 2
