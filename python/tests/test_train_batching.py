"""ws2s.train.batching: token-budget batches and padding to a multiple."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ws2s.train.batching import budget_batches, pad, padded_length, token_batches


def lengths_like_text(n: int, seed: int) -> np.ndarray:
    return np.clip(np.random.default_rng(seed).lognormal(np.log(40), 0.6, n).astype(int), 1, 200)


@pytest.mark.parametrize("multiple", [1, 8, 64])
def test_budget_batches_never_exceed_the_budget_and_cover_every_example_once(multiple):
    lengths = lengths_like_text(700, seed=0)
    for rng in (None, np.random.default_rng(3)):
        batches = budget_batches(lengths, max_tokens=1024, multiple=multiple, rng=rng)
        assert sorted(int(i) for b in batches for i in b) == list(range(700))
        for b in batches:
            assert len(b) >= 1
            assert len(b) * padded_length(int(lengths[b].max()), multiple) <= 1024


def test_budget_batches_are_full_short_rows_come_in_bigger_batches():
    lengths = [10] * 10 + [100] * 4
    batches = budget_batches(lengths, max_tokens=200)
    assert [len(b) for b in batches] == [10, 2, 2]  # 10×10, 2×100, 2×100: no room left for another row


def test_budget_batches_are_deterministic_with_a_seed_and_shuffled_across_seeds():
    lengths = lengths_like_text(300, seed=1)
    a = budget_batches(lengths, 512, 8, np.random.default_rng(7))
    b = budget_batches(lengths, 512, 8, np.random.default_rng(7))
    c = budget_batches(lengths, 512, 8, np.random.default_rng(8))
    assert [x.tolist() for x in a] == [x.tolist() for x in b]
    assert [x.tolist() for x in a] != [x.tolist() for x in c]


def test_without_a_generator_batches_go_shortest_first():
    lengths = [5, 1, 3, 2, 4]
    assert [b.tolist() for b in budget_batches(lengths, max_tokens=6)] == [[1, 3], [2], [4], [0]]


def test_a_sequence_longer_than_the_budget_says_what_to_change():
    with pytest.raises(ValueError, match="raise max_tokens to at least 64"):
        budget_batches([10, 50], max_tokens=60, multiple=32)
    assert budget_batches([], max_tokens=8) == []


def test_token_batches_by_budget_pad_to_the_multiple_and_keep_targets_aligned():
    seqs = [[1] * n for n in (3, 9, 4, 17, 2)]
    target = torch.arange(5.0)
    batches = token_batches(seqs, {"target": target}, batch_size=0, pad_id=0, max_tokens=32, multiple=8)
    for b in batches:
        assert b["input_ids"].shape[1] % 8 == 0 and b["input_ids"].numel() <= 32
        assert torch.equal(b["target"], target[b["index"]])
        assert torch.equal(b["attention_mask"].sum(1), torch.tensor([len(seqs[i]) for i in b["index"]]))
    assert sorted(i for b in batches for i in b["index"].tolist()) == list(range(5))


def test_pad_rounds_the_width_up_on_either_side():
    ids, mask = pad([[7, 8, 9], [5]], pad_id=0, side="left", multiple=4)
    assert ids.tolist() == [[0, 7, 8, 9], [0, 0, 0, 5]]
    assert mask.tolist() == [[0, 1, 1, 1], [0, 0, 0, 1]]
