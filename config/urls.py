"""Top-level URLs."""

from django.contrib import admin
from django.urls import include, path

from pilots.views import home

admin.site.site_header = "Pilotgate administration"
admin.site.site_title = "Pilotgate admin"

urlpatterns = [
    path("", home.home, name="home"),
    path("health/", home.health, name="health"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("pilots.urls")),
]
