from django import forms

from .models import Asset

# Card fields added after the first registration form: optional in the form (the quick
# registration and older clients post only the first ones); empty means the model's default.
DEFAULTED_FIELDS = ("quantity", "unit_of_measure", "acquisition_method", "funding_source")


class AssetForm(forms.ModelForm):
    class Meta:
        model = Asset
        fields = ["name", "asset_class", "category", "spec", "quantity", "unit_of_measure", "original_value",
                  "acquired_on", "acquisition_method", "funding_source", "service_life_years", "department",
                  "location"]
        widgets = {"acquired_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DEFAULTED_FIELDS:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in DEFAULTED_FIELDS:
            if data.get(name) in (None, ""):
                data[name] = Asset._meta.get_field(name).get_default()
        return data


class AssetEditForm(AssetForm):
    # The version the card had when the form was opened; asset_update refuses the save
    # if someone else saved in between (optimistic locking).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
