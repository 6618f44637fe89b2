"""The portfolio dashboard, its CSV export, and a pilot's scorecard page."""

from django.urls import path

from scorecards import views

app_name = "scorecards"

urlpatterns = [
    path("portfolio/", views.dashboard, name="dashboard"),
    path("portfolio/export.csv", views.export_csv, name="export"),
    path("portfolio/views/", views.view_save, name="view_save"),
    path("portfolio/views/<int:view_id>/delete/", views.view_delete, name="view_delete"),
    path("pilots/<str:reference>/scorecard/", views.pilot_scorecard, name="pilot"),
]
