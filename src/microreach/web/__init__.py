"""The web layer: app factory, error mapping, request dependencies, templates and static files."""
