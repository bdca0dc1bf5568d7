"""The audit finds rule-breaking history that bypassed the services (as old imports may have)."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from cascade import integrity, services
from cascade.models import Participation, SessionKind, SessionTrainer, TrainerRole
from tests.factories import PersonFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


def test_clean_records_have_no_violations(cascade):
    trainer = cascade.qualified_trainer()
    services.participation_record(
        session=cascade.session(kind=SessionKind.CASCADE, lead=trainer), person=PersonFactory()
    )
    assert integrity.audit_stored() == []
    call_command("audit_cascade")


def test_it_lists_self_training_unqualified_trainers_and_cycles(db):
    a, b, c = PersonFactory(), PersonFactory(), PersonFactory()
    # Stored directly, as a legacy import would have done it, bypassing the services.
    s1 = TrainingSessionFactory(ref="OLD-1", kind=SessionKind.DIRECT)
    SessionTrainer.objects.create(session=s1, person=a, role=TrainerRole.LEAD)
    Participation.objects.create(session=s1, person=b)
    Participation.objects.create(session=s1, person=a)  # a trains themselves
    s2 = TrainingSessionFactory(ref="OLD-2", kind=SessionKind.CASCADE, start_date=date(2022, 1, 1))
    SessionTrainer.objects.create(session=s2, person=b, role=TrainerRole.LEAD)  # b holds no qualification
    Participation.objects.create(session=s2, person=c)
    s3 = TrainingSessionFactory(ref="OLD-3", kind=SessionKind.DIRECT)
    SessionTrainer.objects.create(session=s3, person=c, role=TrainerRole.LEAD)
    Participation.objects.create(session=s3, person=a)  # a → b → c → a

    violations = integrity.audit_stored()
    by_rule = {v.rule: v for v in violations}
    assert set(by_rule) == {integrity.RULE_SELF_TRAINING, integrity.RULE_NOT_QUALIFIED, integrity.RULE_CYCLE}
    assert by_rule[integrity.RULE_SELF_TRAINING].session_refs == ("OLD-1",)
    assert by_rule[integrity.RULE_NOT_QUALIFIED].person_ids == (b.pk,)
    assert by_rule[integrity.RULE_CYCLE].person_ids == tuple(sorted([a.pk, b.pk, c.pk]))
    assert by_rule[integrity.RULE_CYCLE].session_refs == ("OLD-1", "OLD-2", "OLD-3")
    with pytest.raises(CommandError, match="3 violation"):
        call_command("audit_cascade")
