"""`{{ feedback.channel|channel_label }}`: a feedback channel's name for people."""

from __future__ import annotations

from django import template

from xdata.selectors import feedback_channel_label

register = template.Library()


@register.filter
def channel_label(value: str) -> str:
    return feedback_channel_label(value)
