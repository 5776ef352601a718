"""Weak-to-strong for text generation (slot filling): tasks, tokenizers, models, decoding, students, DPO.

The pipeline (``ws2s.generation.pipeline.run``) is the recipe; everything else is a component.
"""
