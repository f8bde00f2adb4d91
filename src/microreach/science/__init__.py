"""Pure functions for the numbers microreach shows; nothing here touches the database."""
