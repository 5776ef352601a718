"""Word posteriors pooled from every weak member's N-best list, against hand-computed values."""

import math

import pytest

from ws2s.generation.word_posterior import (EOS, UNK, WordHypothesis, hypothesis_posteriors, hypothesis_words,
                                            next_words, token_posteriors, word_posteriors)


def H(text, logprob):
    return WordHypothesis(hypothesis_words(text), logprob)


# member A: "a b" (−0.6 over 2 words + eos → −0.2 per word) and "a c" (−1.5 → −0.5 per word)
A = [H("a b", -0.6), H("a c", -1.5)]
P_AB = 1 / (1 + math.exp(-0.3))  # softmax(−0.2, −0.5)


def test_hypothesis_posteriors_are_a_softmax_of_per_word_scores():
    assert hypothesis_posteriors(A) == pytest.approx([P_AB, 1 - P_AB])
    # temperature 0.5 doubles the score gap
    assert hypothesis_posteriors(A, temperature=0.5)[0] == pytest.approx(1 / (1 + math.exp(-0.6)))
    assert hypothesis_posteriors([]) == []


def test_one_member():
    post = word_posteriors(("a", "b"), [A], [1.0])
    assert post[0] == pytest.approx({"a": 1.0})
    assert post[1] == pytest.approx({"b": P_AB, "c": 1 - P_AB})
    assert post[2] == pytest.approx({EOS: 1.0})


def test_members_are_pooled_with_their_weights():
    B = [H("a c", -3.0)]  # its only hypothesis: posterior 1
    post = word_posteriors(("a", "b"), [A, B], [3.0, 1.0])  # λ renormalised to 0.75, 0.25
    assert post[1] == pytest.approx({"b": 0.75 * P_AB, "c": 0.75 * (1 - P_AB) + 0.25})
    # a member without hypotheses drops out and the others' λ are renormalised
    alone = word_posteriors(("a", "b"), [A], [1.0])
    for got, want in zip(word_posteriors(("a", "b"), [A, []], [0.5, 0.5]), alone):
        assert got == pytest.approx(want)


def test_next_words_under_the_alignment():
    assert next_words(("a", "b", "c"), ("x", "b", "y")) == ["x", "b", "y", EOS]  # same length: position by position
    assert next_words(("a", "b"), ("a", "x", "b")) == ["a", "x", EOS]  # inserted x comes next after "a"
    assert next_words(("a", "b", "c"), ("a", "c")) == ["a", "c", "c", EOS]  # "b" missing: h goes on with "c"
    assert next_words(("a",), ("a", "b")) == ["a", "b"]  # a trailing extra word instead of the end
    assert next_words(("a", "b"), ()) == [EOS, None, None]  # the empty hypothesis ends at once, then abstains
    assert next_words(("a", "b", "c"), ("a",)) == ["a", EOS, None, None]


def test_eos_mass_only_where_a_pooled_hypothesis_ends():
    # target "a b c d"; member 1: itself and the short "a b"; member 2: the empty frame and "a b c d e".
    nbests = [[H("a b c d", -1.0), H("a b", -0.6)], [H("", -0.1), H("a b c d e", -3.0)]]
    post = word_posteriors(("a", "b", "c", "d"), nbests, [0.5, 0.5])
    ends = {0: "", 2: "a b", 4: "a b c d"}  # where each hypothesis ends; "a b c d e" never does
    for i, p in enumerate(post):
        assert (EOS in p) == (i in ends), (i, p)
    # no hypothesis ends at positions 1 and 3: zero EOS mass there, whatever ended before
    assert EOS not in post[1] and EOS not in post[3]
    assert post[3] == pytest.approx({"d": 1.0})
    # at the end, the target's own end against "a b c d e"'s fifth word, within member 1 / member 2
    q = hypothesis_posteriors(nbests[0])[0]  # member 1's weight on "a b c d"
    r = hypothesis_posteriors(nbests[1])[1]  # member 2's weight on "a b c d e"
    assert post[4] == pytest.approx({EOS: 0.5 * q / (0.5 * q + 0.5 * r), "e": 0.5 * r / (0.5 * q + 0.5 * r)})


def test_insertions_and_deletions_enter_the_posterior():
    # target "a b c"; member: "a b c" (−0.4 → −0.1 per word) and "a c" (−0.9 → −0.3 per word)
    post = word_posteriors(("a", "b", "c"), [[H("a b c", -0.4), H("a c", -0.9)]], [1.0])
    p = 1 / (1 + math.exp(-0.2))
    assert post[1] == pytest.approx({"b": p, "c": 1 - p})
    assert post[2] == pytest.approx({"c": 1.0})
    assert post[3] == pytest.approx({EOS: 1.0})


def test_identical_texts_in_one_list_add_up():
    post = word_posteriors(("a",), [[H("a", -0.2), H("a", -0.2), H("b", -0.2)]], [1.0])
    assert post[0] == pytest.approx({"a": 2 / 3, "b": 1 / 3})


def test_unk_is_never_a_word():
    assert hypothesis_words("call < unk > now") == ("call", UNK, "now")
    # member: "a <unk>" and "a b" at equal scores; the <unk> vote is dropped and position 1 renormalised
    post = word_posteriors(("a", "b"), [[H("a < unk >", -0.6), H("a b", -0.6)]], [1.0])
    assert post[1] == pytest.approx({"b": 1.0})
    assert all(UNK not in p and "<" not in p for p in post)
    # a position where every vote is <unk> is left empty for the caller to mask
    assert word_posteriors(("a", "b"), [[H("a < unk >", -0.6)]], [1.0])[1] == {}
    with pytest.raises(ValueError, match="unk"):
        word_posteriors(("a", UNK), [A], [1.0])


def test_rows_sum_to_one_and_bad_weights_are_refused():
    post = word_posteriors(("a", "b"), [A, [H("x y z", -1.0)]], [0.3, 0.7])
    assert all(sum(p.values()) == pytest.approx(1.0) for p in post)
    with pytest.raises(ValueError, match="one λ per member"):
        word_posteriors(("a",), [A], [0.5, 0.5])
    with pytest.raises(ValueError, match="≥ 0"):
        word_posteriors(("a",), [A], [-1.0])


def test_token_posteriors_condition_on_the_word_prefix():
    # student tokens: "seven" = [7], "sevens" = [7, 70], "six" = [6], "am" = [1, 2] (two pieces), "pm" = [3]
    vocab = {"seven": [7], "sevens": [7, 70], "six": [6], "am": [1, 2], "pm": [3], "an": [1, 4]}
    posts = [{"seven": 0.5, "sevens": 0.2, "six": 0.3}, {"am": 0.6, "an": 0.1, "pm": 0.3}, {EOS: 0.9, "am": 0.1}]
    q = token_posteriors(("seven", "am"), posts, vocab.__getitem__, eos_id=0)
    assert len(q) == 1 + 2 + 1
    assert q[0] == pytest.approx({7: 0.7, 6: 0.3})  # "seven" and "sevens" share their first token
    assert q[1] == pytest.approx({1: 0.7, 3: 0.3})  # "am" and "an" share their first piece
    assert q[2] == pytest.approx({2: 0.6 / 0.7, 4: 0.1 / 0.7})  # after piece 1: only am / an go on
    assert q[3] == pytest.approx({0: 0.9, 1: 0.1})
    # Π_j q(target token j) = the word's posterior: P("am") = 0.7 · 0.6/0.7
    assert q[1][1] * q[2][2] == pytest.approx(0.6)
    # a position nobody voted for falls back to one-hot on the target token
    assert token_posteriors(("six",), [{}, {EOS: 1.0}], vocab.__getitem__, eos_id=0)[0] == {6: 1.0}
