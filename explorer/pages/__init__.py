"""The three views: explore one model, compare models, the class board."""
