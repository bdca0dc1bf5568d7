"""What the API shows of each record: codes and references instead of internal ids where a
receiving system would otherwise need a second lookup."""

from rest_framework import serializers

from cascade.models import Participation, TrainingSession
from certificates.models import Certificate, CertificateStatus
from courses.models import Course
from lms.models import Person


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
