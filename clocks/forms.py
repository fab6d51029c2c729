from django import forms

from cases.fields import DayDateField

from .models import Clock


class ClockOverrideForm(forms.ModelForm):
    """Set a computed clock aside, correct its last day, or (neither ticked nor dated) undo both."""

    class Meta:
        model = Clock
        fields = ["not_applicable", "corrected_due_on", "override_reason"]
        widgets = {
            "override_reason": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"corrected_due_on": DayDateField}
        labels = {"not_applicable": "This rule does not apply to this matter"}
        help_texts = {
            "corrected_due_on": "Leave empty to keep the computed last day.",
            "override_reason": "Required, and kept in the clock's history: “informed of the order on 6 Feb”, “time extended by the court”.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["override_reason"].required = True
        # The form shows the reason for this change, not the last one's.
        self.initial["override_reason"] = ""
