from django import forms

from .models import Deadline, Follow, SavedSearch


class FollowPreferencesForm(forms.ModelForm):
    class Meta:
        model = Follow
        fields = ["delivery", "scope"]
        widgets = {"delivery": forms.RadioSelect, "scope": forms.RadioSelect}


class DeadlineForm(forms.ModelForm):
    class Meta:
        model = Deadline
        fields = ["kind", "title", "due_on", "reminder_days", "notes"]
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 3})}


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
