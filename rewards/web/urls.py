from django.urls import include, path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
]

# Included from config/urls.py under their own prefixes and namespaces.
worker_urls = include("rewards.web.worker.urls")
staff_urls = include("rewards.web.staff.urls")
