"""The four shipped processes driven end to end, one module each."""
