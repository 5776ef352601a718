"""Job ``repro_probe``: the versions of the Python side a run executes with, for the server's
reproducibility record (package metadata only: nothing is imported to read a version)."""

from __future__ import annotations

import importlib.metadata as metadata
import platform

from ws2s.jobs import register

PACKAGES = ("torch", "transformers", "numpy", "ws2s")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@register("repro_probe")
def repro_probe(params: dict, emit) -> dict:
    """``{"python": "3.11.9", "torch": "2.x", ...}``; a package that is not installed is null."""
    return {"python": platform.python_version(), **{p: _version(p) for p in PACKAGES}}
