"""What is computed from a latent space: paths, grids, neighbourhoods, and the metrics that
score a model.
"""
