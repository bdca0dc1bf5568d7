"""Read-only endpoints. Every list is the caller's scope from the same selectors the pages use
(``cascade.permissions``, ``certificates.selectors``, ``audit.selectors``), so a token never
shows more than its account could see in the admin; an object outside it answers 404."""

from decimal import Decimal

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import authentication, exceptions, pagination, parsers, permissions, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers
from api.authentication import ApiTokenAuthentication
from api.permissions import SecondFactorPassedForSession
from api.schema import ApiSchema
from audit.filters import FactFilter
from audit.selectors import audit_scope_for
from audit.snapshots import dashboard_for
from cascade.models import Outcome, Participation, SessionKind, SessionStatus, TrainingSession
from cascade.permissions import participations_visible_to, people_visible_to, sessions_visible_to
from certificates.models import Certificate
from certificates.selectors import certificates_visible_to
from courses.models import Course
from fieldkit import services as field_services
from fieldkit.models import ChangeStatus
from lms.models import Gender, Person


class Paging(pagination.LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


class ReadOnlyApi(viewsets.ReadOnlyModelViewSet):
    schema = ApiSchema()
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = Paging
    filter_backends = [DjangoFilterBackend]
    ordering = ["pk"]

    def get_queryset(self):
        return self.visible(self.request.user).order_by(*self.ordering)

    def visible(self, user):
        raise NotImplementedError


def _read_only_schema(name: str):
    return extend_schema_view(
        list=extend_schema(summary=f"List {name}"),
        retrieve=extend_schema(summary=f"One of the {name}"),
    )


@_read_only_schema("courses")
class CourseViewSet(ReadOnlyApi):
    serializer_class = serializers.CourseSerializer
    filterset_fields = ["code"]
    ordering = ["sort_order", "code"]

    def visible(self, user):
        return Course.objects.all()


class SessionFilter(django_filters.FilterSet):
    course = django_filters.CharFilter(field_name="course__code")
    governorate = django_filters.CharFilter(field_name="governorate__code")
    training_centre = django_filters.CharFilter(field_name="training_centre__code")
    kind = django_filters.ChoiceFilter(choices=SessionKind.choices)
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)
    start_date_from = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    start_date_to = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = TrainingSession
        fields = ["ref"]


@_read_only_schema("sessions")
class SessionViewSet(ReadOnlyApi):
    serializer_class = serializers.SessionSerializer
    filterset_class = SessionFilter
    ordering = ["start_date", "pk"]

    def visible(self, user):
        return sessions_visible_to(user).select_related("course", "training_centre", "governorate")


class ParticipationFilter(django_filters.FilterSet):
    session = django_filters.CharFilter(field_name="session__ref")
    person = django_filters.CharFilter(field_name="person__service_number")
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)

    class Meta:
        model = Participation
        fields: list[str] = []


@_read_only_schema("participations")
class ParticipationViewSet(ReadOnlyApi):
    serializer_class = serializers.ParticipationSerializer
    filterset_class = ParticipationFilter

    def visible(self, user):
        return participations_visible_to(user).select_related("session", "person")


class PersonFilter(django_filters.FilterSet):
    governorate = django_filters.CharFilter(field_name="governorate__code")

    class Meta:
        model = Person
        fields = ["service_number", "gender", "is_master_trainer"]


@_read_only_schema("people")
class PersonViewSet(ReadOnlyApi):
    serializer_class = serializers.PersonSerializer
    filterset_class = PersonFilter

    def visible(self, user):
        return people_visible_to(user).select_related("governorate")


class CertificateFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(field_name="person__service_number")
    course = django_filters.CharFilter(field_name="course__code")

    class Meta:
        model = Certificate
        fields = ["code", "kind"]


@_read_only_schema("certificates")
class CertificateViewSet(ReadOnlyApi):
    serializer_class = serializers.CertificateSerializer
    filterset_class = CertificateFilter

    def visible(self, user):
        return certificates_visible_to(user).select_related("person", "course", "session")


COVERAGE_KEYS = ["totals", "programme", "by_governorate", "by_course", "generations", "targets"]


class CoverageParams(drf_serializers.Serializer):
    governorate = drf_serializers.CharField(required=False, help_text="Governorate code, e.g. BG.")
    course = drf_serializers.CharField(required=False, help_text="Course code, e.g. MPS-01.")
    kind = drf_serializers.ChoiceField(choices=SessionKind.choices, required=False)
    gender = drf_serializers.ChoiceField(choices=Gender.choices, required=False)
    year = drf_serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class CoverageView(APIView):
    """Coverage figures of the directorate audit, for the caller's scope (auditors: everything;
    governorate officers: their governorate; centre managers: their centre)."""

    schema = ApiSchema()
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Coverage figures", parameters=[CoverageParams], responses={200: serializers.CoverageSerializer}
    )
    def get(self, request):
        try:
            scope = audit_scope_for(request.user)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied from exc
        params = CoverageParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        wanted = dict(params.validated_data)
        # Codes become the ids the audit filters take; a code outside the caller's scope is not found.
        if "governorate" in wanted:
            governorate = scope.governorates().filter(code=wanted["governorate"]).first()
            if governorate is None:
                raise exceptions.NotFound(f"No governorate {wanted['governorate']!r} in your scope.")
            wanted["governorate"] = governorate.pk
        if "course" in wanted:
            course = Course.objects.filter(code=wanted["course"]).first()
            if course is None:
                raise exceptions.NotFound(f"No course {wanted['course']!r}.")
            wanted["course"] = course.pk
        filterset = FactFilter(wanted or None, scope=scope)
        if filterset.is_bound and not filterset.is_valid():
            raise exceptions.ValidationError({"detail": filterset.form.errors.as_text()})
        cleaned = filterset.cleaned if filterset.is_bound else {}
        # FactFilter cleans the year to a Decimal, which the audit's snapshot key cannot serialise.
        cleaned = {key: int(value) if isinstance(value, Decimal) else value for key, value in cleaned.items()}
        dashboard = dashboard_for(scope, filterset.qs, cleaned)
        return Response({"version": dashboard.version, **{key: dashboard.figures.get(key) for key in COVERAGE_KEYS}})


SYNC_BATCH_MAX = 2000


class SyncView(APIView):
    """Changes recorded offline (the field kit), applied in order; see ``fieldkit.services``.

    Signed in from the browser (session cookie and CSRF token, as the offline workspace sends it)
    or with a token. A change is applied only to a session the caller may change: a trainer syncs
    only the sessions they lead or co-train.
    """

    schema = ApiSchema()
    authentication_classes = [authentication.SessionAuthentication, ApiTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated, SecondFactorPassedForSession]
    parser_classes = [parsers.JSONParser]

    @extend_schema(
        summary="Sync changes recorded offline",
        description=(
            "Each change carries an id made by the client: a change sent again is stored once and its first "
            "answer is repeated (`replayed`). Every change passes the cascade's integrity rules, as the online "
            "workspace's; one that cannot be applied comes back as a `conflict` with its reason (code and "
            "message in the caller's language) and stays on the server until resolved; the others are stored."
        ),
        request=serializers.SyncBatchSerializer,
        # The offline workspace calls it with its session cookie and CSRF token; clients, with a token.
        auth=[{"bearerToken": []}],
        responses={200: serializers.SyncResponseSerializer},
    )
    def post(self, request):
        changes = request.data.get("changes") if isinstance(request.data, dict) else None
        if not isinstance(changes, list):
            raise exceptions.ValidationError({"detail": 'Send {"changes": [...]}.'})
        if len(changes) > SYNC_BATCH_MAX:
            raise exceptions.ValidationError({"detail": f"At most {SYNC_BATCH_MAX} changes per batch."})
        results = field_services.sync_apply(user=request.user, changes=changes)
        unresolved = field_services.conflicts_visible_to(request.user).filter(
            user=request.user, status=ChangeStatus.CONFLICT
        )
        # The signed-in login: a page opened under another one (a shared phone) stops and opens again.
        return Response(
            {
                "results": [result.as_dict() for result in results],
                "conflicts": unresolved.count(),
                "user": request.user.pk,
            },
            status=status.HTTP_200_OK,
        )
