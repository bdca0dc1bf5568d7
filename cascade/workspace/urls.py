"""URLs of the trainer workspace (included by ``cascade.urls`` under the ``cascade`` namespace)."""

from django.urls import path

from cascade.workspace import views

urlpatterns = [
    path("workspace/", views.home, name="workspace"),
    path("workspace/sessions/new/", views.session_create, name="workspace_session_create"),
    path("workspace/sessions/<int:pk>/", views.session_detail, name="workspace_session"),
    path("workspace/sessions/<int:pk>/edit/", views.session_edit, name="workspace_session_edit"),
    path("workspace/sessions/<int:pk>/participants/", views.participant_add, name="workspace_participant_add"),
    path(
        "workspace/sessions/<int:pk>/participants/<int:person_pk>/remove/",
        views.participant_remove,
        name="workspace_participant_remove",
    ),
    path(
        "workspace/sessions/<int:pk>/participants/restore/",
        views.participant_restore,
        name="workspace_participant_restore",
    ),
    path("workspace/sessions/<int:pk>/trainers/", views.co_trainer_add, name="workspace_co_trainer_add"),
    path(
        "workspace/sessions/<int:pk>/trainers/<int:person_pk>/remove/",
        views.co_trainer_remove,
        name="workspace_co_trainer_remove",
    ),
    path("workspace/sessions/<int:pk>/close/", views.session_close, name="workspace_session_close"),
    path("workspace/sessions/<int:pk>/reopen/", views.session_reopen, name="workspace_session_reopen"),
    path("my-trainings/", views.my_trainings, name="my_trainings"),
]
