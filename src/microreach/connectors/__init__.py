"""Official platform APIs in: one connector module per platform, capture, scheduled refresh."""
