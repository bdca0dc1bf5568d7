"""The cascade's public pages, mounted at ``/cascade/`` under the ``cascade`` namespace."""

from django.urls import include, path

from cascade import views_lineage

app_name = "cascade"

urlpatterns = [
    # Trainer workspace: sessions, rosters, attendance, closing and reopening; "my trainings".
    path("", include("cascade.workspace.urls")),
    # --- Lineage pages (people's lineage, trainers' reach, the audit page) go below this line. ---
    path("lineage/<int:pk>/", views_lineage.person_lineage, name="person_lineage"),
    path("lineage/<int:pk>/sessions/", views_lineage.person_lineage_sessions, name="person_lineage_sessions"),
    path(
        "lineage/<int:pk>/sessions/<int:session_pk>/",
        views_lineage.session_participants,
        name="person_lineage_participants",
    ),
    path("reach/<int:pk>/", views_lineage.trainer_reach, name="trainer_reach"),
    path("audit/", views_lineage.integrity_audit, name="integrity_audit"),
]
