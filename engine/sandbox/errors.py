"""The one exception type the sandbox raises for policy and resource violations."""


class SandboxError(Exception):
    """A BPMN script or expression broke a sandbox rule or exceeded a limit.

    The message is a single sentence meant for the process owner who wrote the code.
    """
