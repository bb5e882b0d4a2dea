"""Progress bars only for a person at a terminal (issue 18 item 12): piped into a file or
a log (make, CI, honcho) a tqdm bar would print one long line of carriage returns."""


def hidden(quiet: bool) -> bool | None:
    """tqdm's `disable`: True when the command asks for quiet; otherwise None, which tqdm
    reads as "only when its output (stderr) is a terminal"."""
    return True if quiet else None
