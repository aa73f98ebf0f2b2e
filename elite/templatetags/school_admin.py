from django import template
from django.utils.safestring import SafeString

from elite.admin_site import nav_sidebar_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_app_list(context: template.Context) -> SafeString:
    """The admin sidebar's apps and models (elite.admin_site.nav_sidebar_html)."""
    return nav_sidebar_html(context.get("available_apps") or [], context["request"].path)
