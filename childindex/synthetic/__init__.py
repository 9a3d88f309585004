"""Synthetic data: a deterministic population of children, its source feeds and ground truth.

``population`` makes the families (plain Python), ``feeds`` writes them as CSV files with
realistic errors, ``load`` puts them in the database; ``childindex generate`` drives all three.
"""
