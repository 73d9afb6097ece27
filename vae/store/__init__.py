"""Saved models: their files (written atomically, read without executing anything), the trained
model as loaded from them with its replay's snapshots, the user's cache, and the catalogue of names."""
