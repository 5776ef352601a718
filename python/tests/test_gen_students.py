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
)


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
    certain = WeakLabels(LABELS.texts, [[0.0] * len(w) for w in LABELS.word_logprobs], LABELS.member_texts)
    w = torch.ones(1, dtype=torch.float64)
    memory = student.encode(SOURCES)
    values = []
    for loss in ("xent", "soft"):
        targets, extra, tensors, make_step = prepare({"loss": loss, "params": {}}, certain, student.tokenizer, w)
        batch = target_batches(targets, student.tokenizer.pad_id, 2, 0, extra, tensors)(0)[0]
        values.append(float(make_step(memory)(student.eval(), batch, 0.0)))
    assert values[0] == pytest.approx(values[1], rel=1e-5)


def test_unknown_student_loss_lists_the_valid_ones(student):
    with pytest.raises(ValueError, match="soft"):
        prepare({"loss": "nope", "params": {}}, LABELS, student.tokenizer, torch.ones(2))
