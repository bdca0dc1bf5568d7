from django.urls import path, re_path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("section/<slug:section>/", views.section_view, name="section"),
    path("records/", views.records_view, name="records"),
    path("table/<slug:slug>/", views.table_view, name="table"),
    re_path(r"^records\.(?P<fmt>csv|xlsx)$", views.export_records_view, name="records_export"),
    re_path(r"^export/(?P<slug>[a-z_]+)\.(?P<fmt>csv|xlsx)$", views.export_table_view, name="export"),
    path("summary.pdf", views.summary_view, name="summary"),
    path("report.pdf", views.report_view, name="report"),
    path("report/", views.report_start, name="report_start"),
    path("report/<str:token>/", views.report_job_view, name="report_job"),
    path("report/<str:token>/report.pdf", views.report_download, name="report_download"),
    path("exports/", views.export_log_view, name="export_log"),
]
