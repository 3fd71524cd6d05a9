from django.urls import path

from haven.prevention import views

app_name = "prevention"

urlpatterns = [
    path("", views.home, name="home"),
    path("units/<int:unit_id>/", views.overview, name="overview"),
    path("units/<int:unit_id>/plan/", views.plan, name="plan"),
    path("units/<int:unit_id>/plan/create/", views.plan_create, name="plan_create"),
    path("units/<int:unit_id>/plan/activities/", views.activity_add, name="activity_add"),
    path("activities/<int:pk>/", views.activity, name="activity"),
    path("activities/<int:pk>/evidence/", views.activity_evidence, name="activity_evidence"),
    path("units/<int:unit_id>/trainings/", views.trainings, name="trainings"),
    path("trainings/<int:pk>/", views.training, name="training"),
    path("pledge/", views.pledge_sign, name="pledge_sign"),
    path("units/<int:unit_id>/pledges/", views.pledges, name="pledges"),
    path("units/<int:unit_id>/meetings/", views.meetings, name="meetings"),
    path("units/<int:unit_id>/channels/", views.channels, name="channels"),
]
