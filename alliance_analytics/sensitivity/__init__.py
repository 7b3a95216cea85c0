"""Weight sensitivity: exact stability intervals, one-at-a-time sweeps and SMAA-2."""
