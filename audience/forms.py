from django import forms


class SubscriberImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="One address per row, in a column named “email” or the first column.",
    )


class AudienceSettingsForm(forms.Form):
    subscribe_form = forms.BooleanField(
        required=False, label="Show the subscribe form on the home page and under posts"
    )
