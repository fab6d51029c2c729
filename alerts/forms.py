from django import forms

from .models import Deadline, Follow


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
