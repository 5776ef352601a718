"""Beam search with the HF LMs' KV cache equals the search that re-runs every prefix."""

import pytest
import torch

from ws2s.generation.beam import beam_search
from ws2s.generation.models.hf import load_lm
from ws2s.testing.tiny_lm import FAMILIES, save_tiny_lm

SOURCES = ["call mary tomorrow", "wake me up at seven am", "play imagine", "set an alarm", "remind me to call john"]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny_lms_cache")
    torch.set_num_threads(1)
    return {f: load_lm(save_tiny_lm(root / f, f, hidden=32, layers=2, seed=i + 5), FAMILIES[f][0]).eval()
            for i, f in enumerate(FAMILIES)}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_cached_search_equals_uncached(models, family):
    model = models[family]
    memory = model.encode(SOURCES)
    calls = {"forward": 0, "step": 0}
    forward, step = model.forward, model.step

    def counting_forward(*a, **k):
        calls["forward"] += 1
        return forward(*a, **k)

    def counting_step(*a, **k):
        calls["step"] += 1
        return step(*a, **k)

    model.forward, model.step = counting_forward, counting_step
    try:
        cached = beam_search(model, memory, beam_size=4, n_best=4, max_len=8, batch_size=3)
        assert calls == {"forward": 0, "step": calls["step"]} and calls["step"] > 0  # the cache path ran, alone
        plain = beam_search(model, memory, beam_size=4, n_best=4, max_len=8, batch_size=3, use_cache=False)
        assert calls["forward"] > 0
    finally:
        del model.forward, model.step
    assert len(cached) == len(plain) == len(SOURCES)
    for a, b in zip(cached, plain):
        assert [h.ids for h in a] == [h.ids for h in b]
        assert [h.finished for h in a] == [h.finished for h in b]
        for ha, hb in zip(a, b):
            assert ha.token_logprobs == pytest.approx(hb.token_logprobs, abs=1e-5)
            assert ha.logprob == pytest.approx(hb.logprob, abs=1e-5)
