from django.urls import path

from . import applications, apply, materials, precheck, signin, views

app_name = "worker"

urlpatterns = [
    path("", views.index, name="index"),
    path("check", views.check, name="check"),
    path("signin", signin.signin, name="signin"),
    path("signin/code", signin.signin_code, name="signin_code"),
    path("signout", signin.signout, name="signout"),
    path("apply", apply.apply, name="apply"),
    path("precheck", precheck.precheck, name="precheck"),
    path("alive", precheck.alive, name="alive"),
    path("done", apply.done, name="done"),
    path("status", applications.status, name="status"),
    path("mine", applications.mine, name="mine"),
    path("applications/<str:no>/edit", apply.edit, name="edit"),
    path("applications/<str:no>/materials/<int:attachment_id>", materials.material, name="material"),
    path("applications/<str:no>/withdraw", applications.withdraw, name="withdraw"),
    path("applications/<str:no>/query-password", applications.query_password, name="query_password"),
]
