"""Accounts: signing out, the profile's API tokens (web and API) and token authentication."""
