from django.urls import path

from . import auth, batch, payments, reports, views

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
    path("applications/<str:no>/annex3.pdf", reports.annex3, name="annex3"),
    path("reports/annex4", reports.annex4, name="annex4"),
    # 单位统一申报
    path("batch/", batch.home, name="batch"),
    path("batch/template.xlsx", batch.template_download, name="batch_template"),
    path("batch/new-entry", batch.new_entry, name="batch_entry"),
    path("batch/<int:import_id>/", batch.import_detail, name="batch_import"),
    path("batch/<int:import_id>/save", batch.import_save, name="batch_save"),
    path("batch/<int:import_id>/rejected.xlsx", batch.rejected_download, name="batch_rejected"),
    path("applications/<str:no>/resubmit", batch.resubmit, name="batch_resubmit"),
    # 奖励核发
    path("payments/", payments.batch_list, name="payments"),
    path("payments/build", payments.batch_build, name="payment_build"),
    path("payments/reports", payments.payment_report, name="payment_report"),
    path("payments/lines/<str:reference>/reversal", payments.line_reversal, name="payment_reversal"),
    path("payments/<str:batch_no>/", payments.batch_detail, name="payment_batch"),
    path("payments/<str:batch_no>/approve", payments.batch_approve, name="payment_approve"),
    path("payments/<str:batch_no>/cancel", payments.batch_cancel, name="payment_cancel"),
    path("payments/<str:batch_no>/file", payments.batch_file, name="payment_file"),
    path("payments/<str:batch_no>/results", payments.batch_results, name="payment_results"),
]
