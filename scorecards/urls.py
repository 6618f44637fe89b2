"""The portfolio dashboard, the pilot list (both with their CSV export), and a pilot's
scorecard page."""

from django.urls import path

from scorecards import pilot_list, views

app_name = "scorecards"

urlpatterns = [
    path("portfolio/", views.dashboard, name="dashboard"),
    path("portfolio/export.csv", views.export_csv, name="export"),
    # The pilot list shows each pilot's risk: served here, ahead of the pilots app's pages.
    path("pilots/", pilot_list.pilot_list_view, name="list"),
    path("pilots/export.csv", pilot_list.pilot_list_export, name="list_export"),
    path("portfolio/views/", views.view_save, name="view_save"),
    path("portfolio/views/<int:view_id>/delete/", views.view_delete, name="view_delete"),
    path("pilots/<str:reference>/scorecard/", views.pilot_scorecard, name="pilot"),
]
