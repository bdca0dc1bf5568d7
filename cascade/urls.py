"""The cascade's public pages, mounted at ``/cascade/`` under the ``cascade`` namespace."""

from django.urls import include, path

app_name = "cascade"

urlpatterns = [
    # Trainer workspace: sessions, rosters, attendance, closing and reopening; "my trainings".
    path("", include("cascade.workspace.urls")),
    # --- Lineage pages (people's lineage, trainers' reach, the audit page) go below this line. ---
]
