"""The REST API (/api/v1) through the test client."""
