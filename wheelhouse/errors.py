"""Errors that are the user's to fix: printed as one line on stderr, never as a traceback."""


class CommandError(Exception):
    """A user mistake (bad file, bad column, bad option) with a message that says how to fix it."""
