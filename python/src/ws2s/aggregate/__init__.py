"""Label aggregation without gold: combine several weak members' labels of the same examples."""

from __future__ import annotations

from .dawid_skene import DawidSkeneFit, dawid_skene, majority_vote

__all__ = ["DawidSkeneFit", "dawid_skene", "majority_vote"]
