"""Foundations every other package uses: located problems and input errors, atomic files, project paths, YAML and CSV reading, the weighted-sum kernel and correlation-matrix maths."""
