"""Engine-level tests: the core through `engine.facade`, no Flask."""
