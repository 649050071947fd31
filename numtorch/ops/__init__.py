"""Differentiable primitives, grouped by family (one file each)."""
