"""The portfolio's API routes, under /api/v1/ next to the pilots API (config/urls.py)."""

from pilots.frame.api.routing import P, route
from scorecards import api

app_name = "scorecards_api"

urlpatterns = [
    route("portfolio/", api.PortfolioList, "portfolio-list"),
    route("portfolio/summary/", api.PortfolioSummary, "portfolio-summary"),
    route(P + "scorecard/", api.PilotScorecard, "pilot-scorecard"),
]
