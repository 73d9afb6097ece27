"""Pictures for people: the map's figure, the posterior inset, PNGs and GIFs, and the
training's curves and replay.
"""
