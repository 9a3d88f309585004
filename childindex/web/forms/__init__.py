"""The web's forms, one module per part of the service, beside the views of the same name;
``base`` (``GovukForm``, GOV.UK error wording) and ``dates`` (the three-field date input) are
shared."""
