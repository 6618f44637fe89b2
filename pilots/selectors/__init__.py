"""Reads: a module per subject (pilots, metrics, the home page's agenda).

Views, the API and the admin read through these; the services write.
"""
