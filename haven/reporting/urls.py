from django.urls import path

from haven.reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.report_act, name="act"),
    path("<int:pk>/file/<str:fmt>/", views.report_file, name="file"),
    path("files/<int:pk>/", views.file_status, name="file_status"),
    path("files/<int:pk>/download/", views.file_download, name="file_download"),
    path("units/<int:pk>/", views.unit_timeliness, name="timeliness"),
]
