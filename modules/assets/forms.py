from django import forms

from .models import Asset


class AssetForm(forms.ModelForm):
    class Meta:
        model = Asset
        fields = ["name", "category", "spec", "original_value", "acquired_on", "department", "location"]
        widgets = {"acquired_on": forms.DateInput(attrs={"type": "date"})}


class AssetEditForm(AssetForm):
    # The version the card had when the form was opened; asset_update refuses the save
    # if someone else saved in between (optimistic locking).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
