from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework import permissions
from rest_framework.routers import SimpleRouter

from api import views
from api.authentication import ApiTokenAuthentication

app_name = "api"

router = SimpleRouter()
router.register("courses", views.CourseViewSet, basename="course")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("participations", views.ParticipationViewSet, basename="participation")
router.register("people", views.PersonViewSet, basename="person")
router.register("certificates", views.CertificateViewSet, basename="certificate")

urlpatterns = [
    # The schema is for the API's clients, who hold a token; it is not published to everyone.
    path(
        "schema/",
        SpectacularAPIView.as_view(
            authentication_classes=[ApiTokenAuthentication], permission_classes=[permissions.IsAuthenticated]
        ),
        name="schema",
    ),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("sync/", views.SyncView.as_view(), name="sync"),
    path("", include(router.urls)),
]
