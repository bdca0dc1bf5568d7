from django.urls import path

from certificates import admin_views

urlpatterns = [
    path("batches/new/", admin_views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", admin_views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/status/", admin_views.batch_status, name="batch_status"),
    path("batches/<int:pk>/pause/", admin_views.batch_pause, name="batch_pause"),
    path("batches/<int:pk>/resume/", admin_views.batch_resume, name="batch_resume"),
    path("batches/<int:pk>/archive.zip", admin_views.batch_archive, name="batch_archive"),
    path("<int:pk>/revoke/", admin_views.certificate_revoke, name="revoke"),
    path("<int:pk>/reissue/", admin_views.certificate_reissue, name="reissue"),
]
