"""Data shipped with impact: built-in scenarios and the outage catalogue (importable as impact.data)."""
