"""Orion benchmarks: ratios against a baseline run side by side, never timed assertions."""
