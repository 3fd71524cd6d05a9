from django.urls import path

from haven.intake import views_posters, views_staff

app_name = "intake"

urlpatterns = [
    path("", views_staff.inbox, name="inbox"),
    path("new/", views_staff.report_enter, name="report_enter"),
    path("<int:pk>/", views_staff.report_detail, name="report_detail"),
    path("<int:pk>/act/", views_staff.report_act, name="report_act"),
    path(
        "<int:pk>/files/<int:attachment_id>/",
        views_staff.attachment_download,
        name="attachment_download",
    ),
    path("posters/<int:school_id>/", views_posters.poster_school, name="poster_school"),
    path(
        "posters/<int:school_id>/<int:class_id>/",
        views_posters.poster_class,
        name="poster_class",
    ),
]
