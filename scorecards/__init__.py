"""Readiness scorecards and the portfolio dashboard (built on ``pilots``, never the reverse).

The scorecard rules, models and dashboard arrive with their own issue; the app
is registered from the start so its migrations and URLs have a home.
"""
