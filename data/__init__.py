"""Data shipped with impact: built-in scenarios and the outage catalogue (as impact.data)."""
