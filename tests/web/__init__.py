"""The Flask pages through the test client."""
