from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery, Kind

# The brand managers' reminder and the news of their responses' workflow: only for those who get them.
SPEAKER_KINDS = (Kind.AWAITING, Kind.RESPONSE_FLOW)


class MarkReadForm(forms.Form):
    """The notification to mark read; none marks them all."""

    notification = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class PreferencesForm(forms.Form):
    """One choice per kind; the brand managers' kinds only for those who get them."""

    # The columns of the settings grid, in the order of each field's radios.
    deliveries = Delivery.choices

    def __init__(self, *args, initial_choices: dict[str, str], is_speaker: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            if kind in SPEAKER_KINDS and not is_speaker:
                continue
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=initial_choices[kind.value],
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose one of the options.")},
            )
