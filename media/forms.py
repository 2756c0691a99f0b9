from django import forms


class UploadForm(forms.Form):
    # The type is checked from the bytes (media.images), never from this field's name or the
    # browser's content type; `accept` only helps the file picker.
    file = forms.FileField(
        label="Image", widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )
