"""Storage: engine, typed base model, sessions, migrations and bulk writers."""
