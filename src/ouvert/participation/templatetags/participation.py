"""Template helpers of the participation pages."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ouvert.moderation import rules

register = template.Library()

#: Stands for a comment's id in a fragment rendered once and stamped for each comment.
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist, self.name = nodelist, name

    def render(self, context):
        context[self.name] = mark_safe(self.nodelist.render(context))  # noqa: S308 - rendered by the template engine
        return ""


@register.tag
def capture(parser, token):
    """``{% capture name %}...{% endcapture %}``: render the content once into ``name``."""
    try:
        _tag, name = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("capture takes one argument: the variable name") from None
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, name)


@register.filter
def stamp(fragment, value):
    """A captured fragment with the placeholder id replaced by ``value`` (a comment's id).

    The reply and report forms are the same for every comment but for its id: rendering them
    once and stamping each copy keeps a page of a long discussion cheap to build."""
    return mark_safe(str(fragment).replace(PLACEHOLDER, escape(str(value))))  # noqa: S308 - escaped value into safe HTML


@register.simple_tag
def placeholder_comment():
    """A stand-in comment whose id is the placeholder, for the fragments to capture."""
    from ..models import Comment

    return Comment(id=PLACEHOLDER)


@register.filter
def rule_label(code):
    """A participation rule's name in the reader's language."""
    return rules.get(code).label() if code in rules.BY_CODE else code
