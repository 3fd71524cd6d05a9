from django.urls import path

from haven.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/act/", views.case_act, name="case_act"),
    path("from-report/<int:report_id>/", views.case_open_from_report, name="case_open_from_report"),
    path("<int:pk>/file/", views.case_file, name="case_file"),
    path("<int:pk>/files/<int:attachment_id>/", views.case_attachment, name="case_attachment"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/file/", views.referral_file, name="referral_file"),
]
