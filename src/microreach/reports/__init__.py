"""Campaign measurement: metric definitions, report runners, tier comparison, exports."""
