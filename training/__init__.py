"""Reading annotations, training, threshold calibration, evaluation and the model registry."""
