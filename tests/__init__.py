"""The test suite: one folder per layer (see tests/conftest.py for the markers)."""
