from django.urls import path

from . import auth, views

app_name = "staff"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("login", auth.login_view, name="login"),
    path("logout", auth.logout_view, name="logout"),
    path("approve-many", views.approve_many, name="approve_many"),
    path("applications/<str:no>", views.detail, name="detail"),
    path("applications/<str:no>/decision", views.decide, name="decision"),
    path("applications/<str:no>/flags/<str:code>/resolve", views.resolve_flag, name="resolve_flag"),
    path("applications/<str:no>/attachments/<int:attachment_id>", views.attachment, name="attachment"),
]
