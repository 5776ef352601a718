"""The error a bad experiment config raises, shared by the config loader, the kinds and their checks."""

from __future__ import annotations


class ConfigError(ValueError):
    """A config problem; ``field`` is a dotted path such as ``methods[2].loss``."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


def choices(names) -> str:
    return ", ".join(sorted(names))
