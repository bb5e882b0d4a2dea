"""The `policyflow` command line."""
