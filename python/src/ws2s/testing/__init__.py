"""Builders for tests, benchmarks and the bridge's own checks — no recipe imports this package.

- ``tiny_lm``: random-weight Hugging Face LMs with a word-level tokenizer, saved to a directory (no network).
- ``diagnostics``: jobs that exercise the bridge (echo, errors, crashes, hangs, floods, CPU work); registered
  with ``ws2s.jobs`` so the bridge's and the server's tests can run them in real runner processes.
"""
