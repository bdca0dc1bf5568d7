from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("templates/<str:kind>.<str:fmt>", views.template_download, name="template"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/merge/", views.merge, name="merge"),
    path("<uuid:pk>/", views.job_detail, name="job"),
    path("<uuid:pk>/confirm/", views.job_confirm, name="confirm"),
    path("<uuid:pk>/sheet/", views.job_sheet, name="sheet"),
    path("<uuid:pk>/columns/", views.job_columns, name="columns"),
    path("<uuid:pk>/places/accept/", views.places_accept, name="places_accept"),
    path("<uuid:pk>/recheck/", views.recheck, name="recheck"),
    path("<uuid:pk>/status/", views.job_status, name="status"),
    path("<uuid:pk>/report/<str:which>.csv", views.job_report, name="report"),
]
