import math

import pytest
import torch

from ws2s.generation.models.student import PACKAGED, resolve_model_path
from ws2s.generation.models.weak import TinySeq2Seq
from ws2s.generation.students import STUDENT_LOSSES, WeakLabels, prepare
from ws2s.generation.teacher_forcing import target_batches
from ws2s.generation.tokenizers import HFTokenizer, ShortlistTokenizer

SOURCES = ["call mary tomorrow", "play imagine"]
LABELS = WeakLabels(
    texts=["person : mary ; date : tomorrow", "song _ name : imagine"],
    word_logprobs=[[-0.1, -0.2, -0.3, -0.5, -0.1, -0.2, -0.4, -0.05], [-0.3, -0.2, -0.1, -0.1, -0.9, -0.2]],
    member_texts=[["person : mary", "song _ name : imagine"], ["date : tomorrow", ""]],
    # pooled word posteriors: the members disagree on "mary" (one says "john") and on where the first frame ends
    posteriors=[[{"person": 1.0}, {":": 1.0}, {"mary": 0.7, "john": 0.3}, {";": 0.8, "</s>": 0.2}, {"date": 1.0}, {":": 1.0},
                 {"tomorrow": 1.0}, {"</s>": 1.0}],
                [{"song": 1.0}, {"_": 1.0}, {"name": 1.0}, {":": 1.0}, {"imagine": 1.0}, {"</s>": 1.0}]],
)


def _certain(labels):
    return WeakLabels(labels.texts, [[0.0] * len(w) for w in labels.word_logprobs], labels.member_texts,
                      [[{w: 1.0} for w in t.split()] + [{"</s>": 1.0}] for t in labels.texts])


@pytest.fixture(scope="module")
def student():
    hf = HFTokenizer(resolve_model_path(PACKAGED))
    tok = ShortlistTokenizer.from_texts(hf, SOURCES + LABELS.texts)
    torch.manual_seed(0)
    return TinySeq2Seq(tok, dim=16, layers=1, heads=2, ff=32)


@pytest.mark.parametrize("loss", STUDENT_LOSSES)
def test_every_student_loss_gives_a_finite_loss_with_gradients(student, loss):
    method = {"loss": loss, "params": {"kl_coef": 1e-3} if loss.startswith("edl") else {}}
    weights = torch.tensor([0.5, 0.5], dtype=torch.float64)
    targets, extra, tensors, make_step = prepare(method, LABELS, student.tokenizer, weights)
    assert [t[-1] for t in targets] == [student.tokenizer.eos_id] * 2
    batch = target_batches(targets, student.tokenizer.pad_id, 2, 0, extra, tensors)(0)[0]
    memory = student.encode(SOURCES)
    student.zero_grad()
    value = make_step(memory)(student, batch, 0.5)
    assert value.dim() == 0 and math.isfinite(float(value.detach()))
    value.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in student.parameters())


def test_soft_loss_equals_hard_loss_when_the_weak_words_are_certain(student):
    certain = _certain(LABELS)
    w = torch.ones(1, dtype=torch.float64)
    memory = student.encode(SOURCES)
    values = []
    for loss, params in (("xent", {}), ("soft", {"targets": "one_best"}), ("soft", {"targets": "posterior"})):
        targets, extra, tensors, make_step = prepare({"loss": loss, "params": params}, certain, student.tokenizer, w)
        batch = target_batches(targets, student.tokenizer.pad_id, 2, 0, extra, tensors)(0)[0]
        values.append(float(make_step(memory)(student.eval(), batch, 0.0)))
    assert values[0] == pytest.approx(values[1], rel=1e-5) and values[0] == pytest.approx(values[2], rel=1e-5)


def test_posterior_targets_carry_the_members_alternatives_bridged_to_student_tokens(student):
    from ws2s.generation.students import posterior_tensors, student_targets

    tok = student.tokenizer
    ids = student_targets(tok, LABELS.texts)[0]
    t = posterior_tensors(LABELS, tok, ids)
    words = LABELS.texts[0].split()
    _, word_of = tok.encode_words(words)
    first_mary = word_of.index(2)  # the first student token of "mary"
    dist = {int(v): float(p) for v, p in zip(t["alt_ids"][0, first_mary], t["alt_p"][0, first_mary]) if p > 0}
    mary, john = tok.encode_words(["mary"])[0][0], tok.encode_words(["john"])[0][0]
    assert dist[mary] == pytest.approx(0.7) and dist[john] == pytest.approx(0.3)
    semi = word_of.index(3)
    assert {int(v): round(float(p), 6) for v, p in zip(t["alt_ids"][0, semi], t["alt_p"][0, semi]) if p > 0} == \
        {tok.encode_words([";"])[0][0]: 0.8, tok.eos_id: 0.2}
    # every token's distribution sums to 1, padding excluded
    for i, seq in enumerate(ids):
        assert torch.allclose(t["alt_p"][i, : len(seq)].sum(-1), torch.ones(len(seq)))
    # a weak word count that disagrees with the student's words is an error, not a silent misalignment
    bad = WeakLabels(LABELS.texts, LABELS.word_logprobs, LABELS.member_texts, [LABELS.posteriors[0][:-1], LABELS.posteriors[1]])
    with pytest.raises(RuntimeError, match="disagree"):
        posterior_tensors(bad, tok, ids)


def test_unknown_student_loss_lists_the_valid_ones(student):
    with pytest.raises(ValueError, match="soft"):
        prepare({"loss": "nope", "params": {}}, LABELS, student.tokenizer, torch.ones(2))


class _TableStudent(torch.nn.Module):
    """Free next-token logits per (example, position), unnormalised like the copy student's output (log p + level)."""

    def __init__(self, tokenizer, rows: int, width: int, wrong: int):
        super().__init__()
        self.tokenizer = tokenizer
        table = torch.zeros(rows, width, len(tokenizer.global_ids))
        # a student sure of one wrong token: every other token has p ≈ e^-8 ≈ 3e-4, well below 1/V (V = 16 here)
        # and above u/V for the default uncertainty u = 1e-3
        table[..., wrong] = 8.0
        self.table = torch.nn.Parameter(table)

    def forward(self, memory, tgt_in, last_only=False):
        return self.table[memory["row"], : tgt_in.shape[1]]


@pytest.mark.parametrize("loss", ["xent", "edl", "edl_self"])
def test_an_evidential_student_recovers_tokens_it_gave_almost_no_probability_as_teacher_forcing_does(student, loss):
    # The copy student outputs log p; with evidence V·p the Dirichlet mean was p/2 + 1/(2V), so a token
    # driven below 1/V (the end of sequence, in the demo) got a gradient ∝ V·p and was never learnt back.
    certain = _certain(LABELS)
    tok = student.tokenizer
    targets, extra, tensors, make_step = prepare({"loss": loss, "params": {"kl_coef": 1e-2} if loss != "xent" else {}}, certain, tok,
                                                 torch.ones(1, dtype=torch.float64))
    width = max(len(t) for t in targets)
    model = _TableStudent(tok, len(targets), width, wrong=tok.encode_words([":"])[0][0])
    batch = target_batches(targets, tok.pad_id, len(targets), 0, extra, tensors)(0)[0]
    step = make_step({"row": torch.arange(len(targets))})
    opt = torch.optim.SGD(model.parameters(), lr=len(targets) * width)  # plain SGD: the loss's own gradient scale
    for i in range(30):
        opt.zero_grad()
        step(model, batch, i / 30).backward()
        opt.step()
    decoded = model.table.detach().argmax(-1)
    for row, t in enumerate(targets):
        assert decoded[row, : len(t)].tolist() == t


def test_the_vocabulary_dirichlet_has_the_models_distribution_as_its_mean_up_to_the_uncertainty():
    from ws2s.generation.students import evidential_over_vocabulary
    from ws2s.losses import dirichlet_uncertainty, edl

    torch.manual_seed(0)
    v, u = 50, 1e-3
    z = torch.randn(4, v, dtype=torch.float64) * 4
    q = torch.softmax(torch.randn(4, v, dtype=torch.float64), -1)
    seen = {}

    def spy(logits, target, progress, **hyper):
        seen["logits"], seen["hyper"] = logits, hyper
        return edl(logits, target, progress, **hyper)

    value = evidential_over_vocabulary(spy)(z, q, 0.0, uncertainty=u)
    p = torch.softmax(z, -1)
    mean = (1 - u) * p + u / v
    pred = dirichlet_uncertainty(seen["logits"])
    assert torch.allclose(pred.probs, mean, atol=1e-12)
    assert torch.allclose(pred.uncertainty, torch.full((4,), u, dtype=torch.float64))
    assert float(value) == pytest.approx(float(-(q * mean.log()).sum(-1).mean()), rel=1e-10)  # data term = CE vs m
    assert seen["hyper"]["kl_coef"] == pytest.approx(1e-2 / (v - 1))  # the KL counted per free dimension
