"""Partner fit: strategy gates, red-flag knock-outs, evaluator aggregation and the weighted fit score."""
