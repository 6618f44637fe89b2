"""The site frame: what every page and endpoint of every app shares.

Navigation, error handlers, the health page, shared formatting and filters,
and the base of the API (``pilots.frame.api``). The frame knows no pilot
workflow: the domain and ``scorecards`` build on it, never the reverse.
"""
