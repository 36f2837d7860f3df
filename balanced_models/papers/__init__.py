"""Per-paper parameter sets and builders, composed from the core parts."""
