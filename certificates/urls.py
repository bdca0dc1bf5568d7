from django.urls import path

from certificates import credential_views, views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify, name="verify_code"),
    path("certificates/<str:serial>.pdf", views.certificate_pdf, name="pdf"),
    # Open Badges 3.0 (certificates.credentials): stable addresses, printed in every credential.
    path("certificates/issuer/", credential_views.issuer, name="issuer"),
    path("certificates/issuer/key.json", credential_views.issuer_key, name="issuer_key"),
    path("certificates/status/revocation/", credential_views.status_list, name="status_list"),
    path("certificates/credentials/<str:code>.jwt", credential_views.credential, name="credential"),
]
