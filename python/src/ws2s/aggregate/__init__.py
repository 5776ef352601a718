"""Label aggregation without gold: combine several weak members' labels of the same examples."""

from __future__ import annotations

from .dawid_skene import DawidSkeneFit, dawid_skene, dawid_skene_posterior, majority_vote

__all__ = ["DawidSkeneFit", "dawid_skene", "dawid_skene_posterior", "majority_vote"]
