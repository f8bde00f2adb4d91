"""Tracked short links: slugs, safe destinations, visitors, agents, countries and QR codes."""
