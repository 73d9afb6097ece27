"""The model: its configuration, the Keras network, the NumPy forward pass that serves it, and
the decoder file the page runs."""
