"""The class board: digits that students send, kept in memory or in Redis, and the limits
that hold per student.
"""
