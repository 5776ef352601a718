"""SLU-F1 (SLURP's span-distance F1) against hand-computed counts."""

import pytest

from ws2s.metrics.slu import alignment, char_distance, distance_counts, edit_distance, slu_f1, word_distance


def f1(tp, fp, fn):
    p, r = tp / (tp + fp), tp / (tp + fn)
    return 2 * p * r / (p + r)


def test_distances_by_hand():
    assert word_distance("seven am", "seven pm") == 0.5
    assert word_distance("paris", "paris in france") == 2.0  # two insertions over one gold word: above 1
    assert word_distance("seven am", "seven am") == 0.0
    assert char_distance("kitten", "sitting") == pytest.approx(3 / 7)  # 3 edits over the longer string
    assert char_distance("", "") == 0.0
    assert edit_distance("abc", "") == 3


def test_exact_match_is_one():
    frames = [[("date", "tomorrow"), ("time", "seven am")], [("person", "mary")]]
    r = slu_f1(frames, frames)
    assert (r["slu_f1"], r["word_f1"], r["char_f1"]) == (1.0, 1.0, 1.0)


def test_wrong_type_is_a_false_positive_and_a_false_negative():
    r = slu_f1([[("time", "tomorrow")]], [[("date", "tomorrow")]])
    assert r["counts"]["word"] == (0.0, 1.0, 1.0) and r["counts"]["char"] == (0.0, 1.0, 1.0)
    assert (r["slu_f1"], r["word_f1"], r["char_f1"]) == (0.0, 0.0, 0.0)


def test_partial_filler_gets_partial_credit():
    # word: WER("seven am" → "seven pm") = 1/2: TP 1, FP 0.5, FN 0.5 → F1 2/3.
    # char: 1 edit over 8 characters = 0.125: TP 1, FP 0.125, FN 0.125 → F1 8/9.
    # SLU: TP 2, FP 0.625, FN 0.625 → 2 / 2.625 = 16/21.
    r = slu_f1([[("time", "seven pm")]], [[("time", "seven am")]])
    assert r["word_f1"] == pytest.approx(2 / 3)
    assert r["char_f1"] == pytest.approx(8 / 9)
    assert r["slu_f1"] == pytest.approx(16 / 21)


def test_extra_words_cost_more_than_one_word_error():
    # WER("paris" → "paris france") = 1: TP 1, FP 1, FN 1; char: 7 edits over 12 characters.
    r = slu_f1([[("place", "paris france")]], [[("place", "paris")]])
    assert r["counts"]["word"] == (1.0, 1.0, 1.0)
    assert r["counts"]["char"] == pytest.approx((1.0, 7 / 12, 7 / 12))
    assert r["slu_f1"] == pytest.approx(f1(2, 1 + 7 / 12, 1 + 7 / 12))


def test_two_entities_of_one_type_match_the_closest_gold_first():
    gold = [("person", "mary"), ("person", "john smith")]
    pred = [("person", "john smyth"), ("person", "mary")]
    # "john smyth": WER vs "mary" = 2 (1 substitution + 1 insertion over 1 word), vs "john smith" = 0.5 → the latter.
    # then "mary" ↔ "mary" at 0. word: TP 2, FP 0.5, FN 0.5; char: 1/10 then 0.
    r = slu_f1([pred], [gold])
    assert r["counts"]["word"] == (2.0, 0.5, 0.5)
    assert r["counts"]["char"] == pytest.approx((2.0, 0.1, 0.1))
    assert r["word_f1"] == pytest.approx(0.8)
    assert r["char_f1"] == pytest.approx(f1(2, 0.1, 0.1))


def test_a_type_whose_gold_entities_are_used_up_counts_a_false_positive():
    # the second "date" finds no gold "date" left: FP += 1.
    tp, fp, fn = distance_counts([("date", "today"), ("date", "tomorrow")], [("date", "today")], word_distance)
    assert (tp, fp, fn) == (1.0, 1.0, 0.0)


def test_empty_prediction_or_gold():
    assert slu_f1([[]], [[("date", "today")]])["counts"]["word"] == (0.0, 0.0, 1.0)
    assert slu_f1([[("date", "today")]], [[]])["counts"]["word"] == (0.0, 1.0, 0.0)
    assert slu_f1([[]], [[("date", "today")]])["slu_f1"] == 0.0
    assert slu_f1([[]], [[]])["slu_f1"] == 1.0  # nothing to find, nothing predicted (slot_f1's convention)
    # corpus: one exact utterance, one with its only entity missed: word TP 1, FP 0, FN 1 → P 1, R 0.5, F1 2/3
    r = slu_f1([[("date", "today")], []], [[("date", "today")], [("time", "noon")]])
    assert r["word_f1"] == pytest.approx(2 / 3) and r["slu_f1"] == pytest.approx(2 / 3)


def test_misaligned_corpora_are_refused():
    with pytest.raises(ValueError, match="one per utterance"):
        slu_f1([[]], [[], []])


def test_alignment_prefers_position_by_position_and_marks_insertions_and_deletions():
    assert alignment("abc", "xbc") == [(0, 0), (1, 1), (2, 2)]
    assert alignment("ab", "axb") == [(0, 0), (None, 1), (1, 2)]
    assert alignment("abc", "ac") == [(0, 0), (1, None), (2, 1)]
