"""Stage 4, analysis: summaries, drivers, the activity band and sensitivity, from a result."""
