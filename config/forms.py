"""The site's form renderer: every ``{{ form }}`` and ``{{ field.as_field_group }}``
uses our templates, so fields look and read the same everywhere."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
