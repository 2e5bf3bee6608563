"""`{% own_drafts %}`: the signed-in user's drafts (screening/drafts.py), listed where their screenings are."""
from django import template
from django.conf import settings

from screening import drafts

register = template.Library()


@register.inclusion_tag("screening/_drafts.html", takes_context=True)
def own_drafts(context):
    request = context["request"]
    return {"drafts": list(drafts.live_drafts(request.user)[:50]), "draft_days": settings.DRAFT_DAYS,
            "next": request.get_full_path(), "csrf_token": context.get("csrf_token")}
