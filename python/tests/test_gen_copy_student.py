"""The copy student's gate (finite gradients at any gate logit) and strong.finetune_layers."""

import torch

from ws2s.generation.models.student import CopyStudent


def _student(**kw):
    torch.manual_seed(0)
    return CopyStudent(layers=1, **kw)


def test_gate_gradients_stay_finite_for_saturated_gate_logits():
    # sigmoid(a) rounds to 1.0 in float32 past a ~ 17: log1p(-sigmoid) had a -inf derivative -> NaN gradients
    s = _student()
    memory = s.encode(["set an alarm for seven"])
    tgt = torch.tensor([[s.tokenizer.bos_id, 5, 6]])
    for bias in (5.0, 20.0, 100.0, -110.0):
        s.zero_grad()
        with torch.no_grad():
            s.gate.weight.zero_()
            s.gate.bias.fill_(bias)
        logits = s(memory, tgt)
        logp = torch.log_softmax(logits, -1)
        assert torch.isfinite(logits).all()
        (-logp[0, -1, 7]).backward()
        assert torch.isfinite(s.gate.bias.grad).all(), bias
        # the logits are the mixture's log p shifted by the generator's level: exp sums to e^level
        level = torch.logsumexp(logits, -1)
        assert torch.allclose(logp, logits - level[..., None], atol=1e-5)


def test_finetune_layers_trains_top_encoder_layers_from_pretrained_weights():
    frozen, ft = _student(), _student(finetune_layers=2)
    n = len(ft.encoder.encoder.layer)
    assert ft.n_frozen == n - 2 and len(ft.top) == 2
    src = ["play some jazz in the kitchen", "wake me up at six"]
    # before training, running the copied top layers on the cached lower states reproduces the frozen encoder
    h_ft = ft.encode(src)
    h_frozen = frozen.encode(src)
    add = h_ft["pad"][:, None, None, :].float() * torch.finfo(torch.float32).min
    h = h_ft["h"]
    for layer in ft.top:
        h = layer(h, attention_mask=add)
        h = h[0] if isinstance(h, tuple) else h
    keep = ~h_ft["pad"]
    assert torch.allclose(h[keep], h_frozen["h"][keep], atol=1e-4)
    trainable = {n for n, p in ft.named_parameters() if p.requires_grad}
    assert any(n.startswith("top.") for n in trainable) and not any(n.startswith("encoder.") for n in trainable)
    # reinit restores the pretrained weights of the top layers
    with torch.no_grad():
        next(ft.top.parameters()).add_(1.0)
    ft.reinit(3)
    assert torch.equal(next(ft.top.parameters()), next(ft.encoder.encoder.layer[ft.n_frozen].parameters()))
    tgt = torch.tensor([[ft.tokenizer.bos_id, 5], [ft.tokenizer.bos_id, 6]])
    ft(h_ft, tgt)[:, -1, 7].sum().backward()
    assert next(ft.top.parameters()).grad is not None


def test_edl_learns_the_copy_students_evidence_through_its_logit_level():
    from ws2s.generation.students import WeakLabels, prepare
    from ws2s.generation.teacher_forcing import forward_tokens, target_batches
    from ws2s.losses.evidential_tokens import token_uncertainty

    s = _student()
    src = ["call mary tomorrow", "play imagine"]
    labels = WeakLabels(["person : mary", "song _ name : imagine"], [[-0.1] * 4, [-0.1] * 6], [["", ""]],
                        [[{"person": 1.0}, {":": 1.0}, {"mary": 0.5, "john": 0.5}, {"</s>": 1.0}],
                         [{"song": 1.0}, {"_": 1.0}, {"name": 1.0}, {":": 1.0}, {"imagine": 1.0}, {"</s>": 1.0}]])
    targets, extra, tensors, make_step = prepare({"loss": "edl", "params": {}}, labels, s.tokenizer, torch.ones(1, dtype=torch.float64))
    batch = target_batches(targets, s.tokenizer.pad_id, 2, 0, extra, tensors)(0)[0]
    memory = s.encode(src)
    s.zero_grad()
    make_step(memory)(s, batch, 0.5).backward()
    assert s.out.weight.grad is not None and s.out.weight.grad.abs().sum() > 0
    with torch.no_grad():
        logits, _ = forward_tokens(s.eval(), memory, batch["index"], batch["tgt"], batch["length"])
        u = token_uncertainty(logits)
        # the logits are log p shifted per token: their softmax is the mixture p, which sums to 1 without it
        assert torch.allclose(logits.softmax(-1).sum(-1), torch.ones(logits.shape[0]))
        assert float((logits.logsumexp(-1)).std()) > 0
    assert u.shape[0] == logits.shape[0] and float(u.std()) > 0  # per-token u varies with the level


def test_beam_search_runs_the_finetuned_top_layers_once_with_the_same_hypotheses():
    from ws2s.generation.beam import beam_search

    s = _student(finetune_layers=1).eval()
    with torch.no_grad():  # a decisive, untrained-but-nonflat decoder: push the gate and a few tokens
        s.vocab_bias[s.global_ids[5:9]] += torch.tensor([3.0, 2.5, 2.0, 1.5])
    memory = s.encode(["play some jazz in the kitchen", "wake me up at six"])
    calls = {"n": 0}
    run_top = s._run_top

    def counted(m):
        calls["n"] += 1
        return run_top(m)

    s._run_top = counted
    fast = beam_search(s, memory, beam_size=3, max_len=6)
    once = calls["n"]
    calls["n"] = 0
    # the per-step path: forward on the raw memory (no contextual marker) at every step
    s.contextualize = lambda m: m
    slow = beam_search(s, memory, beam_size=3, max_len=6)
    assert once == 1 and calls["n"] > 1
    assert [[h.ids for h in hs] for hs in fast] == [[h.ids for h in hs] for hs in slow]
    for a, b in zip(fast, slow):
        for x, y in zip(a, b):
            assert abs(x.logprob - y.logprob) < 1e-4
