"""Keyword search: one tokenizer for both databases and the engine-specific match clauses."""
