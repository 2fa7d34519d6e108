"""Errors the engine door raises, free of SpiffWorkflow types.

This module imports nothing: the process that runs diagram code (script_worker.py)
raises ScriptError too, and must not load the engine to do so.
"""


class EngineError(Exception):
    """The engine could not run a step (a script failed, a gateway had no way out, ...)."""


class TaskNotReady(EngineError):
    """The task is no longer waiting for input: someone completed it already."""


class DiagramError(EngineError):
    """A diagram that cannot be parsed at all."""


class ScriptError(EngineError):
    """A diagram's script or condition was refused, failed, or outran one of its bounds.

    The one exception type the sandbox raises; ``line_number`` points into the script
    when known so the designer can be shown the offending line.
    """

    def __init__(self, message: str, line_number: int | None = None) -> None:
        super().__init__(message)
        self.line_number = line_number


class LimitExceeded(EngineError):
    """A step outran a bound of the engine itself: too many engine tasks without a wait
    state, too long in all, or a state too large to store."""
