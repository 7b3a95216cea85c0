"""Comparing two report runs: what changed in the inputs, what changed in the decisions, and why, with exact attributions."""
