from django.urls import path

from haven.care import views

app_name = "care"

urlpatterns = [
    path("concerns/", views.concern_list, name="concern_list"),
    path("concerns/new/", views.concern_create, name="concern_create"),
    path("concerns/<int:pk>/", views.concern_detail, name="concern_detail"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/classes/<int:answer_id>/", views.round_answer, name="round_answer"),
    path("rounds/<int:pk>/findings/<int:item_id>/", views.item_act, name="item_act"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
]
