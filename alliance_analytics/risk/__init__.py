"""Risk simulation: Monte Carlo of each alliance's value thesis and risk register, NPV and payback distributions, risk measures and value of information."""
