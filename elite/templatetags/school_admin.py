from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.utils.safestring import SafeString

from elite import admin_rows
from elite.admin_site import nav_sidebar_html

register = template.Library()


@register.tag(name="school_result_list")
def school_result_list(parser: template.base.Parser, token: template.base.Token) -> InclusionAdminNode:
    """Django's `result_list` (the changelist's table, admin/change_list_results.html) with rows written by
    elite.admin_rows."""
    return InclusionAdminNode(
        "result_list",
        parser,
        token,
        func=admin_rows.result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )


@register.simple_tag(takes_context=True)
def nav_app_list(context: template.Context) -> SafeString:
    """The admin sidebar's apps and models (elite.admin_site.nav_sidebar_html)."""
    return nav_sidebar_html(context.get("available_apps") or [], context["request"].path)
