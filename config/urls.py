"""Top-level URLs."""

from django.contrib import admin
from django.urls import include, path

from pilots import views as pilot_views

admin.site.site_header = "Pilotgate administration"
admin.site.site_title = "Pilotgate admin"

urlpatterns = [
    path("", pilot_views.home, name="home"),
    path("health/", pilot_views.health, name="health"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
