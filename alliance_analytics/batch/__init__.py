"""The batch runner: a config of notebooks × cases × parameter sets run in a local pool or on Dask into one dated report."""
