from django.urls import path

from haven.surveys import views_staff

app_name = "surveys"

urlpatterns = [
    path("", views_staff.campaign_list, name="campaign_list"),
    path("new/<int:school_id>/", views_staff.campaign_create, name="campaign_create"),
    path("<int:pk>/", views_staff.campaign_detail, name="campaign_detail"),
    path("<int:pk>/codes/<int:class_id>/", views_staff.campaign_codes, name="campaign_codes"),
    path("<int:pk>/close/", views_staff.campaign_close, name="campaign_close"),
    path("<int:pk>/results/", views_staff.campaign_results, name="campaign_results"),
    path("<int:pk>/results.pdf", views_staff.campaign_results_pdf, name="campaign_results_pdf"),
    path(
        "<int:pk>/export.<str:fmt>",
        views_staff.campaign_export,
        name="campaign_export",
    ),
    path("units/<int:pk>/", views_staff.unit_results, name="unit_results"),
    path("units/<int:pk>/domains.<str:fmt>", views_staff.unit_export, name="unit_export"),
]
