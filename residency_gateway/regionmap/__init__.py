"""The SRE-facing region map: schema, YAML loading with file:line errors, invariants, diff."""
