"""Accounts and tenancy: users, organisations, memberships, sessions, API keys, creator claims."""
