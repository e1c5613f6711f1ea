from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery, Kind


class PreferencesForm(forms.Form):
    """One choice per kind; the brand managers' reminder only for those who get it."""

    def __init__(self, *args, initial_choices: dict[str, str], is_speaker: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            if kind == Kind.AWAITING and not is_speaker:
                continue
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=initial_choices[kind.value],
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose one of the options.")},
            )
