"""Matplotlib figures drawn from analysis results, one module per analysis; nothing here computes an analysis."""
