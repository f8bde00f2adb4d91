"""Scores: every creator account measured by the science functions, stored with versions."""
