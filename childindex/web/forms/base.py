"""GOV.UK error messages for every form of the web UI: no Django default message is ever shown.

A form's own messages win. Where it has none, the message says what is wrong and how to fix it
in the GOV.UK style: "Enter your username", "Name must be 200 characters or fewer", "Select a
purpose from the list" (never "This field is required." or "Select a valid choice. x is not one
of the available choices.")."""

from __future__ import annotations

from django import forms


def _label(name: str, field: forms.Field) -> str:
    return str(field.label or name.replace("_", " ")).rstrip("?").strip()


def govuk_messages(form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        label = _label(name, field)
        lower = label[:1].lower() + label[1:]
        messages = field.error_messages
        defaults = type(field).default_error_messages
        choice = isinstance(field, forms.ChoiceField)

        def unset(key, _messages=messages, _defaults=defaults):
            return (
                key not in _messages
                or _messages[key] == _defaults.get(key)
                or (key == "required" and _messages[key] == forms.Field.default_error_messages[key])
            )

        if unset("required"):
            messages["required"] = f"Select {lower}" if choice else f"Enter {lower}"
        if choice and unset("invalid_choice"):
            messages["invalid_choice"] = (
                messages["required"]
                if messages["required"].startswith("Select")
                else f"Choose {lower} from the list"  # noqa: S608 - not SQL
            )
        max_length = getattr(field, "max_length", None)
        if max_length:
            messages["max_length"] = (
                f"{label[:1].upper()}{label[1:]} must be {max_length} characters or fewer"
            )
            field.widget.attrs.setdefault("maxlength", str(max_length))
        for key in (
            "invalid",
            "min_length",
            "min_value",
            "max_value",
            "null_characters_not_allowed",
        ):
            if key in messages and unset(key):
                messages[key] = f"Enter {lower} in the form shown"


class GovukForm(forms.Form):
    """Every web form's base: GOV.UK messages in place of Django's defaults."""

    def full_clean(self):
        govuk_messages(self)  # here, so fields added after __init__ (dates, choices) get them
        super().full_clean()
