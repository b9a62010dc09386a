"""The aiohttp shell: gathers facts, calls the core, records, forwards. Thin by design."""
