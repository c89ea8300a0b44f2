"""Stage 3, simulation: sampling designs, correlation, the block engine, sketches and results."""
