"""Small generic helpers with no domain imports."""
