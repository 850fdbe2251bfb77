from django.urls import path

from . import precheck, views

app_name = "worker"

urlpatterns = [
    path("", views.index, name="index"),
    path("check", views.check, name="check"),
    path("signin", views.signin, name="signin"),
    path("signin/code", views.signin_code, name="signin_code"),
    path("signout", views.signout, name="signout"),
    path("apply", views.apply, name="apply"),
    path("precheck", precheck.precheck, name="precheck"),
    path("alive", precheck.alive, name="alive"),
    path("done", views.done, name="done"),
    path("status", views.status, name="status"),
    path("mine", views.mine, name="mine"),
    path("applications/<str:no>/edit", views.edit, name="edit"),
    path("applications/<str:no>/withdraw", views.withdraw, name="withdraw"),
    path("applications/<str:no>/query-password", views.query_password, name="query_password"),
]
