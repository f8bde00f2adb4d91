"""A calibrated generator of realistic creators, posts, comments and metric series."""
