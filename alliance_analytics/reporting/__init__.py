"""Running notebooks with papermill and exporting offline HTML reports: the notebook catalogue, parameter checks, kernels and the report folder."""
