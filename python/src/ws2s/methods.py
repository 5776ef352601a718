"""The student methods a config names in ``methods[].loss``, for both kinds of experiment.

Each entry says what the method is — whether it learns from every weak member at once (``multi``:
the member weights apply), whether it is evidential (it predicts a Dirichlet: probabilities and an
uncertainty per example), which kinds of experiment support it, and the hyperparameters
``methods[].params`` may set per kind. The recipes read these facts here and nowhere else; how a
recipe trains a method lives with the recipe (``ws2s.losses.LOSSES`` for classification,
``ws2s.generation.students.STEPS`` for generation), and a test checks both cover this registry.

To add a method: add its loss (``ws2s/losses/``, with a test against an independent formula), add an
entry below, and add its step to the recipe(s) of the kinds it lists.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from ws2s.losses import dirichlet_nll, logconf
from ws2s.losses.evidential_tokens import token_edl

KINDS = ("classification", "generation")
_TENSOR_ARGS = ("logits", "target", "targets", "progress", "weights", "prior")


def loss_params(fn) -> tuple[str, ...]:
    """The hyperparameters of a loss function: its keyword arguments other than tensors and progress."""
    return tuple(p for p in inspect.signature(fn).parameters if p not in _TENSOR_ARGS)


#: Classification's evidential hyperparameters: the KL ``schedule`` ("coauthors": λ = kl_coef · progress,
#: kl_coef 1e-4, the default; "sensoy": λ = kl_coef · min(1, epoch / anneal), kl_coef 1, anneal 10 epochs,
#: never shortened to the run; ``ws2s.losses.anneal``) and the evidence function.
CLS_EVIDENTIAL_PARAMS = ("kl_coef", "evidence", "anneal", "schedule")
#: Generation's evidential loss keeps the loss functions' own schedule (kl_coef, anneal_frac).
GEN_EVIDENTIAL_PARAMS = ("kl_coef", "evidence", "anneal_frac")

#: Generation's soft targets: ``targets`` "posterior" (the word posterior pooled from every member's N-best,
#: ``ws2s.generation.word_posterior``) or "one_best" (the 1-best confidence, ``ws2s.generation.word_targets``,
#: with its temperature ``tau`` and the ``spread`` of a word's doubt).
SOFT_PARAMS = ("tau", "spread", "targets")
#: Generation's ``edl_self`` fixes the total evidence over the vocabulary through an uncertainty.
VOCAB_EVIDENTIAL_PARAMS = ("uncertainty",)
#: Generation's ``edl``: a Dirichlet per token, α = e^z + 1 (``ws2s.losses.evidential_tokens``: kl_coef, form).
GEN_EDL_PARAMS = loss_params(token_edl)


@dataclass(frozen=True)
class Method:
    name: str
    summary: str
    params: dict[str, tuple[str, ...]]  # kind -> hyperparameter names; the kinds that support it
    multi: bool = False  # learns from every member at once: weak must be "all"
    evidential: bool = False
    can_multi: bool = False  # may learn from every member (weak: "all") or from one set of labels
    kinds: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "kinds", tuple(k for k in KINDS if k in self.params))


METHODS: dict[str, Method] = {m.name: m for m in (
    Method("xent", "cross-entropy on the weak labels (soft labels for classification, the hypothesis's tokens for generation)",
           {"classification": (), "generation": ()}),
    Method("logconf", "auxiliary confidence: cross-entropy against weak labels mixed with the student's own prior-matched labels",
           {"classification": loss_params(logconf)}),
    Method("soft", "token-level soft labels: per word, the posterior pooled from every weak member's N-best list (λ-weighted), "
                   "bridged to the student's tokens (targets \"one_best\": the 1-best word confidence)",
           {"generation": SOFT_PARAMS}),
    Method("multi_weak", "Σ_k w_k · cross-entropy against each weak member's own labels", {"classification": (), "generation": ()},
           multi=True),
    Method("edl", "evidential loss: a Dirichlet over the classes fitted to the weak labels; with weak \"all\" each member's "
                  "labels are a separate observation (edl_multi); for generation a per-token Dirichlet over the vocabulary, "
                  "α = e^z + 1 from the student's unnormalised scores, against the soft targets",
           {"classification": CLS_EVIDENTIAL_PARAMS, "generation": (*GEN_EDL_PARAMS, *SOFT_PARAMS)},
           evidential=True, can_multi=True),
    Method("edl_self", "evidential loss against weak labels mixed with the student's own prior-matched labels (self-training)",
           {"classification": (*CLS_EVIDENTIAL_PARAMS, "aux_coef", "warmup_frac"),
            "generation": (*GEN_EVIDENTIAL_PARAMS, "aux_coef", "warmup_frac", *VOCAB_EVIDENTIAL_PARAMS, *SOFT_PARAMS)},
           evidential=True),
    Method("dirichlet_nll", "ensemble distribution distillation: the Dirichlet likelihood of every member's probabilities "
                            "(members' disagreement lowers the precision S)",
           {"classification": loss_params(dirichlet_nll)}, multi=True, evidential=True),
    Method("polya", "Pólya evidential loss: the members' votes n_c = K·Σ_k w_k q_kc as K draws from the student's Dirichlet "
                    "(Dirichlet-multinomial likelihood, not linear in the votes: sees the members' disagreement), with edl's KL term",
           {"classification": CLS_EVIDENTIAL_PARAMS}, multi=True, evidential=True),
)}


def methods_for(kind: str) -> dict[str, Method]:
    """The methods an experiment of ``kind`` may name, by name."""
    return {n: m for n, m in METHODS.items() if kind in m.kinds}


def get_method(name: str, kind: str) -> Method:
    """The method ``name`` for ``kind``; a ValueError lists the valid names."""
    valid = methods_for(kind)
    if name not in valid:
        raise ValueError(f'unknown {kind} loss "{name}"; choose from {", ".join(sorted(valid))}')
    return valid[name]


def check_params(name: str, kind: str, params: dict) -> None:
    """A ValueError naming the parameters ``name`` does not take for ``kind``, and those it does."""
    accepted = get_method(name, kind).params[kind]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ValueError(f"loss {name!r} does not take {', '.join(unknown)}; it accepts: {', '.join(accepted) or 'none'}")
