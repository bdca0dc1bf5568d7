"""The field kit, mounted at ``/field/``."""

from django.urls import path

from fieldkit import views

app_name = "fieldkit"

urlpatterns = [
    path("", views.app, name="app"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("bundle/", views.bundle, name="bundle"),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("conflicts/<int:pk>/resolve/", views.conflict_resolve, name="conflict_resolve"),
    path("lessons/", views.lessons, name="lessons"),
    path("lessons/<str:code>.json", views.lesson_list, name="lesson_list"),
]
