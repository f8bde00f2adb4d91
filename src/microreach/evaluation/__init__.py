"""Measuring microreach against public research datasets kept outside the project."""
