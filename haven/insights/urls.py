from django.urls import path

from haven.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("units/<int:pk>/", views.unit_dashboard, name="unit"),
]
