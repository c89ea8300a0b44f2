"""Stage 1, inputs: scenario keys, distribution families, the spec grammar and scenario files."""
