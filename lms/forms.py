"""Forms of the learner area and the bulk-enrolment page."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from courses.models import Course


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
