"""What the API shows of each record: codes and references instead of internal ids where a
receiving system would otherwise need a second lookup."""

from rest_framework import serializers

from cascade.models import Outcome, Participation, TrainingSession
from certificates.models import Certificate, CertificateStatus
from courses.models import Course
from fieldkit.models import ChangeKind
from lms.models import Gender, Person


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "code", "title_en", "title_ar", "hours"]


class SessionSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="code", read_only=True)
    training_centre = serializers.SlugRelatedField(slug_field="code", read_only=True)
    governorate = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "ref",
            "course",
            "kind",
            "training_centre",
            "governorate",
            "start_date",
            "end_date",
            "status",
            "headcount_male",
            "headcount_female",
        ]


class ParticipationSerializer(serializers.ModelSerializer):
    session = serializers.SlugRelatedField(slug_field="ref", read_only=True)
    person = serializers.SlugRelatedField(slug_field="service_number", read_only=True)

    class Meta:
        model = Participation
        fields = ["id", "session", "person", "days_attended", "pre_score", "post_score", "outcome"]


class PersonSerializer(serializers.ModelSerializer):
    governorate = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "service_number", "name_ar", "name_latin", "gender", "rank", "governorate", "is_master_trainer"]


class CertificateSerializer(serializers.ModelSerializer):
    person = serializers.SlugRelatedField(slug_field="service_number", read_only=True)
    course = serializers.SlugRelatedField(slug_field="code", read_only=True)
    session = serializers.SlugRelatedField(slug_field="ref", read_only=True)
    status = serializers.ChoiceField(choices=CertificateStatus.choices, read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "code",
            "serial",
            "kind",
            "person",
            "course",
            "session",
            "completed_on",
            "issued_at",
            "valid_until",
            "status",
            "revoked_at",
        ]


class CoverageSerializer(serializers.Serializer):
    """The directorate audit's figures for the caller's scope (``audit.selectors``)."""

    version = serializers.IntegerField(help_text="Version of the stored facts the figures were computed from.")
    totals = serializers.DictField()
    programme = serializers.DictField()
    by_governorate = serializers.ListField(child=serializers.DictField())
    by_course = serializers.ListField(child=serializers.DictField())
    generations = serializers.ListField(child=serializers.DictField())
    targets = serializers.DictField()


class SyncChangeSerializer(serializers.Serializer):
    """One change recorded offline. ``id`` is made by the client (a UUID): the same id sent again is
    stored once. Which other fields count depends on ``kind``.

    This describes the request for the API schema only: the sync reads each change itself
    (``fieldkit.services._parse``), so that one malformed change is refused alone, with its position,
    while the rest of the batch is applied (a serializer would refuse the whole batch)."""

    id = serializers.UUIDField(help_text="Made by the client; a change sent twice is stored once.")
    user = serializers.IntegerField(
        required=False,
        help_text="The login the change was recorded under; a change of another login is refused, not stored.",
    )
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    session = serializers.IntegerField(required=False, help_text="The session (every kind but lesson_complete).")
    person = serializers.IntegerField(required=False, help_text="The person the change concerns.")
    person_ref = serializers.UUIDField(
        required=False, help_text="Instead of person: the id of the person_create change that recorded them."
    )
    day = serializers.DateField(required=False, help_text="attendance: the day of the session.")
    present = serializers.BooleanField(required=False, help_text="attendance: present (true) or absent (false).")
    field = serializers.ChoiceField(choices=["pre_score", "post_score"], required=False, help_text="score: which one.")
    value = serializers.CharField(required=False, help_text="score: 0–100; Arabic-Indic digits are read as 0–9.")
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    base = serializers.JSONField(
        required=False, help_text="The value the client saw; another value stored meanwhile is a conflict."
    )
    seen_at = serializers.DateTimeField(required=False, help_text="When the client took the session offline.")
    recorded_at = serializers.DateTimeField(required=False)
    service_number = serializers.CharField(required=False, help_text="person_create")
    name_ar = serializers.CharField(required=False, help_text="person_create")
    name_latin = serializers.CharField(required=False, help_text="person_create")
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, help_text="person_create")
    rank = serializers.CharField(required=False, help_text="person_create")
    governorate = serializers.IntegerField(required=False, help_text="person_create")
    course = serializers.CharField(required=False, help_text="lesson_complete: the course code.")
    lesson = serializers.UUIDField(required=False, help_text="lesson_complete: the lesson page's translation key.")


class SyncBatchSerializer(serializers.Serializer):
    changes = SyncChangeSerializer(many=True, help_text="In the order they were recorded.")


class SyncResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["applied", "conflict", "refused", "kept_mine", "kept_theirs", "edited"],
        help_text="applied; conflict (kept on the server until the trainer resolves it); refused (malformed, another "
        "login's change or not the caller's session: not stored); or the resolution of a change stored earlier.",
    )
    code = serializers.CharField(help_text="The reason's code (a cascade rule code or the sync's own); empty if none.")
    message = serializers.CharField(help_text="The reason in the caller's language.")
    person = serializers.IntegerField(allow_null=True, help_text="The person the applied change concerns.")
    replayed = serializers.BooleanField(help_text="The id was received before: nothing new was stored.")


class SyncResponseSerializer(serializers.Serializer):
    results = SyncResultSerializer(many=True)
    conflicts = serializers.IntegerField(help_text="The caller's unresolved conflicts, this batch's and earlier ones.")
    user = serializers.IntegerField(help_text="The signed-in login the changes were answered for.")
