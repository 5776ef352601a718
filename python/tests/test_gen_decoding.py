import itertools
import math

import pytest
import torch

from ws2s.generation.beam import beam_search
from ws2s.generation.joint import combine, joint_decode
from ws2s.generation.models.weak import TinySeq2Seq
from ws2s.generation.scoring import text_logprobs, token_logprobs
from ws2s.generation.tokenizers import CharTokenizer, WordTokenizer


def tiny(tokenizer, seed):
    torch.manual_seed(seed)
    return TinySeq2Seq(tokenizer, dim=16, layers=1, heads=2, ff=32).eval()


def brute_force(model, memory, row, max_len, n):
    """Every sequence that ends at its first eos, or runs to max_len without one, scored in float64."""
    tok = model.tokenizer
    others = [v for v in range(tok.vocab_size) if v != tok.eos_id]
    seqs = [list(p) + [tok.eos_id] for L in range(max_len) for p in itertools.product(others, repeat=L)]
    seqs += [list(p) for p in itertools.product(others, repeat=max_len)]
    cache = {}

    def next_logp(prefix):
        if prefix not in cache:
            ids = torch.tensor([[tok.bos_id, *prefix]])
            cache[prefix] = torch.log_softmax(model({k: v[row : row + 1] for k, v in memory.items()}, ids)[0, -1].double(), -1)
        return cache[prefix]

    scored = [(sum(next_logp(tuple(s[:t]))[s[t]].item() for t in range(len(s))), s) for s in seqs]
    return sorted(scored, key=lambda x: -x[0])[:n]


def test_beam_search_agrees_with_brute_force_enumeration():
    tok = CharTokenizer.build(["ab"])  # vocab: 4 specials + a, b
    model = tiny(tok, 0)
    memory = model.encode(["ab", "ba b"])
    n = 6
    nbest = beam_search(model, memory, beam_size=130, n_best=n, max_len=3)
    for row in range(2):
        expected = brute_force(model, memory, row, 3, n)
        assert [h.ids for h in nbest[row]] == [s for _, s in expected]
        for h, (score, _) in zip(nbest[row], expected):
            assert h.logprob == pytest.approx(score, abs=1e-5)
            assert h.finished == (h.ids[-1] == tok.eos_id)


def test_beam_token_logprobs_match_teacher_forced_scoring():
    tok = WordTokenizer.build(["date : today ; time : noon"])
    model = tiny(tok, 1)
    memory = model.encode(["today at noon"])
    for h in beam_search(model, memory, beam_size=3, max_len=6)[0]:
        forced = token_logprobs(model, memory, [0], [h.ids])[0]
        assert forced.tolist() == pytest.approx(h.token_logprobs, abs=1e-5)


def test_combine_picks_the_candidate_a_hand_computation_picks():
    # candidates A, B, C scored by two weak models (length-normalised log-probs)
    s = torch.tensor([[-0.10, -1.00], [-0.50, -0.20], [-0.30, -0.45]])
    # uniform: A -0.55, B -0.35, C -0.375 → B
    assert int(combine(s, torch.tensor([0.5, 0.5])).argmax()) == 1
    # λ = (0.9, 0.1): A -0.19, B -0.47, C -0.315 → A
    assert combine(s, torch.tensor([0.9, 0.1])).tolist() == pytest.approx([-0.19, -0.47, -0.315])
    assert int(combine(s, torch.tensor([0.9, 0.1])).argmax()) == 0


def test_joint_decoding_keeps_the_best_combined_candidate_of_the_pooled_lists():
    word = WordTokenizer.build(["a b c : ;"])
    char = CharTokenizer.build(["a b c : ;"])
    models = [tiny(word, 2), tiny(char, 3)]
    weights = torch.tensor([0.3, 0.7], dtype=torch.float64)
    choice = joint_decode(models, ["a b", "c"], weights, beam_size=3, max_len=5)[1]
    assert len(choice.candidates) >= 3 and choice.text in choice.candidates
    # recompute every candidate's combined score independently, one candidate at a time: each member's
    # log-probability per WORD (end of sequence counted as a word), so a char model is not scaled by word length
    hand = []
    for text in choice.candidates:
        per_model = []
        for m in models:  # tokens the member reads as <unk> are left out (no evidence either way)
            lp = text_logprobs(m, m.encode(["c"]), [0], [text])[0].double()
            known = torch.tensor([i != m.tokenizer.unk_id for i in m.tokenizer.encode(text) + [m.tokenizer.eos_id]])
            per_model.append(lp[known].sum().item() / (len(text.split()) + 1))
        hand.append(0.3 * per_model[0] + 0.7 * per_model[1])
    assert choice.scores == pytest.approx(hand, abs=1e-5)
    assert choice.text == choice.candidates[max(range(len(hand)), key=hand.__getitem__)]
    assert [len(lp) for lp in choice.token_logprobs] == [len(word.encode(choice.text)) + 1, len(char.encode(choice.text)) + 1]


def test_joint_decoding_never_picks_a_candidate_with_unk_when_another_exists(monkeypatch):
    import ws2s.generation.joint as joint
    from ws2s.generation.beam import Hypothesis

    word = WordTokenizer.build(["a b c : ;"])
    model = tiny(word, 2)
    a = word.encode("a")[0]

    def fake_beam(m, memory, beam_size, max_len=48, **kw):  # the <unk> hypothesis first, with the higher score
        return [[Hypothesis([word.unk_id, word.eos_id], [-0.1, -0.1]), Hypothesis([a, word.eos_id], [-5.0, -5.0])]]

    monkeypatch.setattr(joint, "beam_search", fake_beam)
    monkeypatch.setattr(joint, "word_scores", lambda m, mem, rows, texts: torch.tensor([0.0 if "unk" in t else -9.0 for t in texts],
                                                                                        dtype=torch.float64))
    choice = joint.joint_decode([model], ["a"], torch.ones(1, dtype=torch.float64), beam_size=2, max_len=4)[0]
    assert choice.text == "a" and all("<unk>" not in c for c in choice.candidates)


class EosFirst(torch.nn.Module):
    """A fixed next-token table over {pad, bos, eos, unk, a}: p(eos | bos) = 0.6, p(a | bos) = 0.4, then eos for sure."""

    def __init__(self):
        super().__init__()
        self.tokenizer = CharTokenizer.build(["a"])  # 4 specials + "a"
        self.device = torch.device("cpu")

    def forward(self, memory, prefixes, last_only=True):
        tok, a = self.tokenizer, self.tokenizer.encode("a")[0]
        p = torch.full((prefixes.shape[0], self.tokenizer.vocab_size), 1e-9, dtype=torch.float64)
        first = prefixes.shape[1] == 1
        p[:, tok.eos_id] = 0.6 if first else 1.0
        p[:, a] = 0.4 if first else 1e-9
        return p.log().float()[:, None, :]


def test_length_penalty_ranks_finished_hypotheses_per_token():
    # "" costs log 0.6 = −0.51 (1 token); "a" costs log 0.4 = −0.92 over 2 tokens: −0.46 per token
    model = EosFirst()
    memory = {"x": torch.zeros(1, 1)}
    plain = beam_search(model, memory, beam_size=2, n_best=2, max_len=4)[0]
    per_token = beam_search(model, memory, beam_size=2, n_best=2, max_len=4, length_penalty=1.0)[0]
    tok = model.tokenizer
    assert [tok.decode(h.ids) for h in plain] == ["", "a"]
    assert [tok.decode(h.ids) for h in per_token] == ["a", ""]
    assert per_token[0].score(1.0) == pytest.approx(math.log(0.4) / 2, abs=1e-6)
    assert per_token[0].score(0.0) == pytest.approx(math.log(0.4), abs=1e-6)


@pytest.mark.parametrize("alpha", [0.5, 1.0])
def test_length_penalised_beam_agrees_with_brute_force_on_a_wide_beam(alpha):
    tok = CharTokenizer.build(["ab"])
    model = tiny(tok, 0)
    memory = model.encode(["ab", "ba b"])
    n = 4
    nbest = beam_search(model, memory, beam_size=130, n_best=n, max_len=3, length_penalty=alpha)
    for row in range(2):
        everything = brute_force(model, memory, row, 3, 10_000)
        expected = sorted(everything, key=lambda x: -x[0] / len(x[1]) ** alpha)[:n]
        assert [h.ids for h in nbest[row]] == [s for _, s in expected]


class EosThenLong(EosFirst):
    """p(eos | bos) = 0.6, p(a | bos) = 0.4; after "a": "a" again with 0.99 until three a's, then eos for sure."""

    def forward(self, memory, prefixes, last_only=True):
        tok, a = self.tokenizer, self.tokenizer.encode("a")[0]
        n = prefixes.shape[1] - 1  # tokens generated so far
        p = torch.full((prefixes.shape[0], tok.vocab_size), 1e-9, dtype=torch.float64)
        if n == 0:
            p[:, tok.eos_id], p[:, a] = 0.6, 0.4
        elif n < 3:
            p[:, a], p[:, tok.eos_id] = 0.99, 0.01
        else:
            p[:, tok.eos_id] = 1.0
        return p.log().float()[:, None, :]


def test_a_length_penalised_search_does_not_stop_when_the_empty_frame_leads_early():
    # after step 1 "" (−0.51 per token) leads "a" (−0.92 so far); "a a a" ends at (log 0.4 + 2 log 0.99) / 4 = −0.24
    model = EosThenLong()
    best = beam_search(model, {"x": torch.zeros(1, 1)}, beam_size=2, n_best=1, max_len=6, length_penalty=1.0)[0][0]
    assert model.tokenizer.decode(best.ids) == "aaa"
    plain = beam_search(model, {"x": torch.zeros(1, 1)}, beam_size=2, n_best=1, max_len=6)[0][0]
    assert model.tokenizer.decode(plain.ids) == ""
