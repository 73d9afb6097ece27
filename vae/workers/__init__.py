"""Trainings for the app: each in a child process of its own, and the line of those waiting
for a core and for memory."""
