"""Form rendering helpers: each input is tied to its help text and errors for screen readers."""

from django import template

register = template.Library()


@register.simple_tag
def field_widget(field, **attrs):
    """Render ``field``'s input with ``aria-describedby`` naming its help and error texts."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.filter
def field_errors_for_summary(form):
    """(field id or None, message) pairs for the error summary, in form order."""
    pairs = [(None, message) for message in form.non_field_errors()]
    for field in form:
        for message in field.errors:
            pairs.append((field.auto_id, message))
    return pairs
