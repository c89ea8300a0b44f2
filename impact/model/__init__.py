"""Stage 2, the model: the output registry and the closed-form, vectorised model."""
