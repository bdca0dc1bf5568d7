"""Forms of the learner area, the bulk-enrolment page and the admin's person form."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from courses.models import Course
from lms.models import Person
from lms.signals import COUNTED_FIELDS, master_trainer_changed, people_changed


class LearnerLoginForm(AuthenticationForm):
    """Django's login form, labelled for trainees: the service number works as the username."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Service number or username")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "inputmode": "text"})


class BulkEnrolmentForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.all())
    service_numbers = forms.CharField(
        label=_("Service numbers"),
        widget=forms.Textarea(attrs={"rows": 10, "dir": "ltr"}),
        help_text=_("One service number per line."),
    )

    def numbers(self) -> list[str]:
        return self.cleaned_data["service_numbers"].splitlines()


class PersonAdminForm(WagtailAdminModelForm):
    """The admin's person form. A person who becomes, or stops being, a master trainer moves the
    generation of everything below them: the save says so (``lms.signals.master_trainer_changed``) in
    its transaction, for the cascade to follow; so does a change of what the figures count them by
    (``lms.signals.people_changed``)."""

    def save(self, commit: bool = True):
        existed = not self.instance._state.adding
        person = super().save(commit=commit)
        if commit and existed and "is_master_trainer" in self.changed_data:
            master_trainer_changed.send(sender=type(person), person_id=person.pk)
        if commit and existed and set(COUNTED_FIELDS) & set(self.changed_data):
            people_changed.send(sender=type(person), person_ids=[person.pk])
        return person


class PoliceUnitAdminForm(WagtailAdminModelForm):
    """The admin's police unit form. The figures count the people of a unit as serving in the unit's
    governorate: a unit moved to another governorate changes that for every one of them, so the
    save names them (``lms.signals.people_changed``) in its transaction."""

    def save(self, commit: bool = True):
        moved = not self.instance._state.adding and "governorate" in self.changed_data
        unit = super().save(commit=commit)
        if commit and moved:
            people = list(Person.objects.filter(unit=unit).values_list("pk", flat=True))
            if people:
                people_changed.send(sender=Person, person_ids=people)
        return unit
