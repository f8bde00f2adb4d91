"""File imports: creators, posts and metrics from CSV, JSON Lines and XLSX."""
