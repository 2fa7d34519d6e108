"""Errors the engine door raises, free of SpiffWorkflow types."""


class EngineError(Exception):
    """The engine could not run a step (a script failed, a gateway had no way out, ...)."""


class TaskNotReady(EngineError):
    """The task is no longer waiting for input: someone completed it already."""


class DiagramError(EngineError):
    """A diagram that cannot be parsed at all."""
