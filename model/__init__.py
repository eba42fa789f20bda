"""Text to `Analysis`: taxonomy, segmentation, the neural network, decoding and the `Analyzer`."""
