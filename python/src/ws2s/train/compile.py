"""``torch.compile`` for training: regional compilation of a model's repeated blocks.

Compiling each transformer block (not the whole model) costs one compilation however many layers
there are — the blocks share the graph — and keeps graph breaks elsewhere (HF's output classes,
masks built in Python) from cutting the compiled region into pieces. Length-bucketed batches come in
many shapes, so blocks are compiled with dynamic sizes from the start: one compilation for all
shapes, not one per shape.
"""

from __future__ import annotations

import torch

from ws2s.train.distributed import repeated_blocks

#: Set on a model once compiled, so compiling again (a second ``train`` call) is a no-op.
COMPILED_FLAG = "_ws2s_compiled"


def compile_model(model: torch.nn.Module) -> torch.nn.Module:
    """Compiles ``model`` in place and returns it: each member of its largest ``nn.ModuleList`` when
    that list has two or more (a transformer's layers), else the whole model."""
    if getattr(model, COMPILED_FLAG, False):
        return model
    # A stray specialisation (a one-row batch, another dtype) should recompile, not fall back to eager.
    torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 32)
    blocks = repeated_blocks(model)
    for module in blocks if len(blocks) >= 2 else [model]:
        module.compile(dynamic=True)
    setattr(model, COMPILED_FLAG, True)
    return model
