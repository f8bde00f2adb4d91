"""Creators, their platform accounts, posts, comments and metric time series."""
