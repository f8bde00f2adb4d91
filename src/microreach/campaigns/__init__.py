"""Campaigns: briefs, creators invited on terms, deliverables, drafts, earnings, audit log."""
