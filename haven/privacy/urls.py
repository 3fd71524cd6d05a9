from django.urls import path

from haven.privacy import views

app_name = "privacy"

urlpatterns = [
    path("retention/", views.retention, name="retention"),
    path("retention/hold/", views.hold_place, name="hold_place"),
    path("retention/holds/<int:pk>/lift/", views.hold_lift, name="hold_lift"),
    path("audit/", views.audit_log, name="audit"),
]
