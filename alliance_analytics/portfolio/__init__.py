"""Portfolio optimisation: the MILP over candidates under budget, capacity, rules and a CVaR floor, with its explanations."""
