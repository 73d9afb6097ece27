"""Training: Keras' fit with its callbacks and the stall watchdog."""
