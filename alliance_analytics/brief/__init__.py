"""The decision brief, assembled from the other analyses' results."""
