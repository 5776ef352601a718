"""Hugging Face causal and seq2seq LMs behind the generation interface: scores, beam search, bridge, losses, pipeline."""

import itertools
import json
import math
from pathlib import Path

import pytest
import torch

from gen_helpers import run_one_thread, smoke
from ws2s.config import ConfigError, load_config
from ws2s.generation.beam import beam_search
from ws2s.generation.word_targets import token_shares, word_logprobs
from ws2s.generation.dpo import dpo_stage
from ws2s.generation.models.hf import HF_ARCHS, HFCausalLM, load_lm
from ws2s.testing.tiny_lm import FAMILIES, save_tiny_lm, task_words
from ws2s.generation.scoring import token_logprobs
from ws2s.generation.students import STUDENT_LOSSES, WeakLabels, prepare, student_targets
from ws2s.generation.teacher_forcing import target_batches
from ws2s.generation.tokenizers import HFTokenizer

SOURCES = ["call mary tomorrow", "wake me up at seven am", "play imagine"]
TARGETS = ["person : mary ; date : tomorrow", "time : seven am", "song _ name : imagine"]


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """One saved tiny model per family (llama, gpt2: causal; t5, bart: seq2seq)."""
    root = tmp_path_factory.mktemp("tiny_lms")
    return {f: save_tiny_lm(root / f, f, seed=i) for i, f in enumerate(FAMILIES)}


def load(paths, family):
    return load_lm(paths[family], FAMILIES[family][0]).eval()


def own_logits(model, source: str, tgt_in: list[int]) -> torch.Tensor:
    """The HF model's own logits for one unpadded example, ``[T, V]``."""
    src = model.source_ids(source)
    with torch.no_grad():
        if isinstance(model, HFCausalLM):
            return model.lm(input_ids=torch.tensor([src + tgt_in])).logits[0, len(src):]
        return model.lm(input_ids=torch.tensor([src]), decoder_input_ids=torch.tensor([tgt_in])).logits[0]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_adapter_scores_equal_the_models_own_logits_whatever_the_padding(paths, family):
    model = load(paths, family)
    tok = model.tokenizer
    tgts = [[tok.bos_id] + tok.encode(t) for t in TARGETS]
    tgt_in = torch.full((3, max(map(len, tgts))), tok.pad_id)
    for i, t in enumerate(tgts):
        tgt_in[i, : len(t)] = torch.tensor(t)
    memory = model.encode(SOURCES)
    assert memory["mask"].sum(1).tolist() == [len(model.source_ids(s)) for s in SOURCES]
    with torch.no_grad():
        batched = model(memory, tgt_in)
        last = model(memory, tgt_in, last_only=True)
    assert last.shape == (3, 1, tok.vocab_size) and torch.allclose(last[:, 0], batched[:, -1], atol=1e-5)
    for i, (s, t) in enumerate(zip(SOURCES, tgts)):
        assert torch.allclose(batched[i, : len(t)], own_logits(model, s, t), atol=1e-4)
    if isinstance(model, HFCausalLM):  # right-padded prompts (holes before the target) give the same scores
        flipped = {"ids": torch.stack([r.roll(-int((m == 0).sum())) for r, m in zip(memory["ids"], memory["mask"])]),
                   "mask": torch.stack([m.roll(-int((m == 0).sum())) for m in memory["mask"]])}
        assert not torch.equal(flipped["mask"], memory["mask"])
        with torch.no_grad():
            assert torch.allclose(model(flipped, tgt_in), batched, atol=1e-4)


def test_causal_lm_target_starts_at_a_separator_and_decodes_to_canonical_text(paths):
    model = load(paths, "llama")
    tok = model.tokenizer
    assert tok.bos_id == tok.eos_id  # no sep token: eos separates the prompt from the frame
    assert tok.decode(tok.encode(TARGETS[0]) + [tok.eos_id]) == TARGETS[0]


def exhaustive(model, memory, row, vocab, max_len, n):
    """Every sequence over ``vocab`` (+ eos) up to ``max_len`` tokens, scored one prefix at a time in float64."""
    tok = model.tokenizer
    seqs = [list(p) + [tok.eos_id] for L in range(max_len) for p in itertools.product(vocab, repeat=L)]
    seqs += [list(p) for p in itertools.product(vocab, repeat=max_len)]
    mem = {k: v[row : row + 1] for k, v in memory.items()}
    cache = {}

    def logp(prefix):
        if prefix not in cache:
            with torch.no_grad():
                cache[prefix] = torch.log_softmax(model(mem, torch.tensor([[tok.bos_id, *prefix]]))[0, -1].double(), -1)
        return cache[prefix]

    return sorted(((sum(logp(tuple(s[:t]))[s[t]].item() for t in range(len(s))), s) for s in seqs), key=lambda x: -x[0])[:n]


def test_beam_search_on_a_causal_lm_equals_exhaustive_search(tmp_path):
    words = ["date", ":", "today"]  # vocabulary: 4 specials + 3 words
    model = load_lm(save_tiny_lm(tmp_path / "lm", "llama", words=words, seed=3), "causal_lm").eval()
    memory = model.encode(["date today", "today"])
    tokens = [v for v in range(model.tokenizer.vocab_size) if v != model.tokenizer.eos_id]
    nbest = beam_search(model, memory, beam_size=300, n_best=5, max_len=3)
    for row in range(2):
        expected = exhaustive(model, memory, row, tokens, 3, 5)
        assert [h.ids for h in nbest[row]] == [s for _, s in expected]
        assert [h.logprob for h in nbest[row]] == pytest.approx([lp for lp, _ in expected], abs=1e-5)


@pytest.mark.parametrize("family", ["llama", "t5"])
def test_beam_token_logprobs_equal_the_models_rescoring(paths, family):
    model = load(paths, family)
    memory = model.encode(SOURCES)
    for row, hyps in enumerate(beam_search(model, memory, beam_size=3, max_len=6)):
        for h in hyps:
            forced = token_logprobs(model, memory, [row], [h.ids])[0]
            assert forced.tolist() == pytest.approx(h.token_logprobs, abs=1e-5)


def bpe_tokenizer(path: Path, vocab_size: int) -> HFTokenizer:
    """A byte-level BPE trained on the task's words: words split into several subword tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    core.train_from_iterator(SOURCES + TARGETS + task_words(), trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<pad>", "<s>", "</s>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", bos_token="<s>", eos_token="</s>").save_pretrained(path)
    return HFTokenizer(path)


def test_word_bridge_between_subword_tokenizers_conserves_every_word_probability(tmp_path):
    weak, student = bpe_tokenizer(tmp_path / "weak", 300), bpe_tokenizer(tmp_path / "student", 420)
    text = "event _ name : dentist appointment ; date : the day after tomorrow"
    ids = weak.encode(text)
    groups = weak.words(ids)
    assert [weak.decode([ids[p] for p in g]) for g in groups] == text.split()
    assert len(ids) > len(groups)  # subwords for real
    lps = (-torch.rand(len(ids) + 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)).tolist()
    word_lp = word_logprobs(lps, groups)
    s_ids, s_word_of = student_targets(student, [text])
    assert s_ids[0] != ids + [weak.eos_id] and len(s_ids[0]) > len(text.split()) + 1
    word_of = torch.tensor(s_word_of[0])
    assert [student.decode([t for t, w in zip(s_ids[0], s_word_of[0]) if w == k]) for k in range(len(groups))] == text.split()
    share = token_shares(word_lp, word_of, torch.rand(len(word_of)), tau=0.5)
    for w, lp in enumerate(word_lp):
        assert math.prod(math.exp(s) for s, o in zip(share.tolist(), word_of.tolist()) if o == w) == pytest.approx(math.exp(lp), rel=1e-12)


LABELS = WeakLabels(
    texts=TARGETS,
    word_logprobs=[[-0.1 * (i + 1)] * (len(t.split()) + 1) for i, t in enumerate(TARGETS)],
    member_texts=[TARGETS, ["person : mary", "", "song _ name : imagine"]],
)


@pytest.mark.parametrize("family,loss", [("llama", loss) for loss in STUDENT_LOSSES] + [("t5", "soft"), ("gpt2", "soft")])
def test_student_losses_back_propagate_through_an_hf_student(paths, family, loss):
    model = load(paths, family).train()
    # LABELS carry no joint N-best lists, so soft targets are the 1-best confidence ones (the pooled posterior
    # has its own tests in test_gen_word_posterior / test_gen_students)
    params = {"kl_coef": 1e-3} if loss.startswith("edl") else {}
    if loss in ("soft", "edl", "edl_self"):
        params["targets"] = "one_best"
    method = {"loss": loss, "params": params}
    targets, extra, tensors, make_step = prepare(method, LABELS, model.tokenizer, torch.tensor([0.5, 0.5], dtype=torch.float64))
    batch = target_batches(targets, model.tokenizer.pad_id, 3, 0, extra, tensors)(0)[0]
    value = make_step(model.encode(SOURCES))(model, batch, 0.5)
    assert value.dim() == 0 and math.isfinite(float(value.detach()))
    value.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads) and any(g.abs().sum() > 0 for g in grads)


def test_dpo_refines_an_hf_student_with_an_hf_weak_ranker(paths):
    student, weak = load(paths, "llama"), load(paths, "t5")
    events = []
    policy, info = dpo_stage(student, student.encode(SOURCES), SOURCES, [weak], torch.ones(1, dtype=torch.float64),
                             {"candidates": 3, "beta": 0.1, "label_smoothing": 0.0, "epochs": 2, "lr": 1e-3, "batch_size": 2,
                              "pairs": "weak_rank"},
                             8, 0, torch.device("cpu"), events.append)
    assert info["pairs"] == len(SOURCES)
    losses = [e["value"] for e in events if e.get("key", "").endswith("/train_loss")]
    assert losses[0] == pytest.approx(math.log(2), abs=1e-5)  # policy == reference at the first step
    assert {"rewards/margins", "rewards/accuracies"} <= set(info)
    assert any(not torch.equal(a, b) for a, b in zip(policy.parameters(), student.parameters()))


def test_hf_configs_fail_before_training_naming_the_field():
    with pytest.raises(ConfigError, match=r"strong\.model"):
        load_config(smoke(strong={"arch": "causal_lm"}))
    with pytest.raises(ConfigError, match=r"weak\[0\]\.model"):
        load_config(smoke(weak=[{"name": "lm", "arch": "seq2seq"}]))
    with pytest.raises(ConfigError, match=r"weak\[0\]\.params"):
        load_config(smoke(weak=[{"name": "lm", "arch": "causal_lm", "model": "gpt2", "params": {"dim": 8}}]))
    assert load_config(smoke())["strong"]["arch"] == "copy"


@pytest.mark.parametrize("strong,weak_family", [("llama", "t5"), ("t5", None)])
def test_smoke_pipeline_runs_with_an_hf_student_and_an_hf_weak_member(paths, tmp_path, strong, weak_family):
    weak = [{"name": "word", "tokenizer": "word", "params": {"dim": 16, "layers": 1, "ff": 32, "epochs": 2}}]
    if weak_family:
        weak.append({"name": weak_family, "arch": FAMILIES[weak_family][0], "model": paths[weak_family]})
    config = load_config(smoke(task={"source": "builtin", "name": "assistant", "size": 80}, weak=weak,
                               strong={"arch": FAMILIES[strong][0], "model": paths[strong]},
                               methods=[{"name": "naive", "loss": "xent"}, {"name": "soft", "loss": "soft"}],
                               weak_train={"epochs": 1, "batch_size": 16}, strong_train={"epochs": 1, "batch_size": 16},
                               max_output_length=12))
    seed = run_one_thread(config, tmp_path)["per_seed"][0]
    assert set(seed["weak"]) == {w["name"] for w in weak}
    assert set(seed["students"]) == {"naive", "soft", "naive+dpo"}
    for r in [seed["ceiling"], seed["ensemble"], *seed["weak"].values(), *seed["students"].values()]:
        assert 0.0 <= r["f1"] <= 1.0
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["config"]["strong"]["arch"] in HF_ARCHS and "f1" in saved["per_seed"][0]["ceiling"]
