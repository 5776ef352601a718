"""ws2s: WeakS-to-Strong experiments (weak ensembles supervise a strong student)."""

__version__ = "0.1.0"
