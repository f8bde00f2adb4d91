"""Lists: shortlists of creators, shared notes and tags, saved searches, CSV export and
inviting a whole list to a campaign."""
