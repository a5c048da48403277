"""Benchmarks that print ratios against a bare baseline (``make bench``; not tests).

Each module ``bench/<name>.py`` exposes ``main() -> int``; ``python -m bench`` runs
them all, ``python -m bench.<name>`` runs one.
"""
