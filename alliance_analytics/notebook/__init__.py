"""What the notebooks call besides the analyses: display settings, the weight explorer, the parameters cell, provenance and the results file."""
