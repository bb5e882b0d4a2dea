"""The `policyflow` command."""
