from django.urls import path, register_converter

from haven.surveys import views_staff


class ExportFormat:
    """Only the formats there are: any other address is not found."""

    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "fmt")


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
        "<int:pk>/export.<fmt:fmt>",
        views_staff.campaign_export,
        name="campaign_export",
    ),
    path("schools/<int:school_id>/hotspots/", views_staff.hotspots, name="hotspots"),
    path("units/<int:pk>/", views_staff.unit_results, name="unit_results"),
    path("units/<int:pk>/domains.<fmt:fmt>", views_staff.unit_export, name="unit_export"),
]
