from django.urls import path, re_path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("records/", views.records_view, name="records"),
    path("table/<slug:slug>/", views.table_view, name="table"),
    re_path(r"^records\.(?P<fmt>csv|xlsx)$", views.export_records_view, name="records_export"),
    re_path(r"^export/(?P<slug>[a-z_]+)\.(?P<fmt>csv|xlsx)$", views.export_table_view, name="export"),
    path("report.pdf", views.report_view, name="report"),
    path("exports/", views.export_log_view, name="export_log"),
]
