from django.contrib import admin
from django.urls import include, path

from rewards.web.staff import auth as staff_auth
from rewards.web.urls import staff_urls, worker_urls

admin.site.site_header = "杭州市职工高技能人才奖励平台 · 管理后台"
admin.site.site_title = "高技能人才奖励平台"
admin.site.index_title = "系统管理"
admin.site.site_url = "/staff/campaigns/"  # “查看站点”: back to 年度活动设置 in the staff pages
# No navigation column beside each list: at 1366 px it pushed the staff list's last columns (上次登录,
# 待确认重置) behind a scroll; the breadcrumbs and the index page lead to every list.
admin.site.enable_nav_sidebar = False
admin.site.empty_value_display = "—"  # as the lists' own columns write an empty value

# An unmatched /api/ URL and a server fault answer JSON in the API's error shape; pages get the
# Chinese 404.html and 500.html (400.html, 403.html and 403_csrf.html are Django's own names).
handler404 = "rewards.api.errors.not_found"
handler500 = "rewards.api.errors.server_error"

urlpatterns = [
    path("api/v1/", include("rewards.api.urls")),
    # The administration signs in (and changes passwords) through the staff pages: lockout,
    # second factor and audit hold there too (SECURITY.md 7).
    path("admin/login/", staff_auth.admin_login),
    path("admin/password_change/", staff_auth.admin_password_change),
    path("admin/", admin.site.urls),
    path("worker/", worker_urls),
    path("staff/", staff_urls),
    path("", include("rewards.web.urls")),
]
