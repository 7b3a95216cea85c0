"""Alliance health over time: the monthly scorecard's health index, signals versus noise, triggers, early warning."""
