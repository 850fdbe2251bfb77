from django.urls import include, path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    # Asked for by browsers on their own (a PDF or JSON opened in a tab): the pages link the SVG.
    path("favicon.ico", views.favicon, name="favicon"),
]

# Included from config/urls.py under their own prefixes and namespaces.
worker_urls = include("rewards.web.worker.urls")
staff_urls = include("rewards.web.staff.urls")
