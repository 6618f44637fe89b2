"""API views, by subject: pilots and their gates, metrics and readings, the
handover plan, people and tokens."""
