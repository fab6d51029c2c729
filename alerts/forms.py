from django import forms

from cases.fields import DayDateField

from .models import Deadline, Follow, SavedSearch, scope_choice_label


def _scope_choices_spelled_out(form: forms.ModelForm) -> None:
    # Each scope names every kind it sends and every kind it leaves out, from the same table the
    # fan-out uses; the model's short labels ("Stage changes only") stay for lists and the admin.
    form.fields["scope"].choices = [(value, scope_choice_label(value)) for value, _ in Follow.Scope.choices]


class FollowPreferencesForm(forms.ModelForm):
    class Meta:
        model = Follow
        fields = ["delivery", "scope"]
        widgets = {"delivery": forms.RadioSelect, "scope": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _scope_choices_spelled_out(self)


class DeadlineForm(forms.ModelForm):
    class Meta:
        model = Deadline
        fields = ["kind", "title", "due_on", "reminder_days", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"due_on": DayDateField}


class SavedSearchForm(forms.ModelForm):
    """Name, filters and delivery of a saved search; the filters are checked by the service."""

    class Meta:
        model = SavedSearch
        fields = ["name", "query", "delivery", "scope"]
        widgets = {
            "query": forms.TextInput(attrs={"class": "mono", "spellcheck": "false"}),
            "delivery": forms.RadioSelect,
            "scope": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _scope_choices_spelled_out(self)
