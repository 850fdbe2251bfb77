from django.urls import path

from . import account, auditlog, auth, batch, campaigns, declarations, payments, progress, reports, training, views

app_name = "staff"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("login", auth.login_view, name="login"),
    path("logout", auth.logout_view, name="logout"),
    # 两步验证与账号安全
    path("login/otp", auth.login_otp_view, name="login_otp"),
    path("login/enrol", auth.login_enrol_view, name="login_enrol"),
    path("account/", account.account, name="account"),
    path("account/mfa", account.mfa_enrol, name="account_mfa"),
    path("account/mfa/disable", account.mfa_disable, name="account_mfa_disable"),
    path("account/password", account.password_change, name="password"),
    path("approve-many", views.approve_many, name="approve_many"),
    path("applications/<str:no>", views.detail, name="detail"),
    path("applications/<str:no>/decision", views.decide, name="decision"),
    path("applications/<str:no>/flags/<str:code>/resolve", views.resolve_flag, name="resolve_flag"),
    path("applications/<str:no>/attachments/<int:attachment_id>", views.attachment, name="attachment"),
    path("applications/<str:no>/annex3.pdf", reports.annex3, name="annex3"),
    path("reports/annex4", reports.annex4, name="annex4"),
    # 非通用性职业（附件5）和培训计划
    path("occupations/", declarations.declarations, name="declarations"),
    path("occupations/declare", declarations.declare, name="declare"),
    path("occupations/<int:declaration_id>/decision", declarations.decide, name="declaration_decision"),
    path("occupations/<int:declaration_id>/withdraw", declarations.withdraw, name="declaration_withdraw"),
    path("occupations/annex5", declarations.annex5, name="annex5"),
    path("training/", training.plans, name="training"),
    path("training/new", training.plan_create, name="training_create"),
    path("training/export.xlsx", training.plans_xlsx, name="training_xlsx"),
    path("training/<int:plan_id>/", training.plan_edit, name="training_edit"),
    # 工作进度（附件1任务分解表）
    path("progress", progress.progress_page, name="progress"),
    path("progress/export", progress.progress_export, name="progress_export"),
    # 单位统一申报
    path("batch/", batch.home, name="batch"),
    path("batch/template.xlsx", batch.template_download, name="batch_template"),
    path("batch/new-entry", batch.new_entry, name="batch_entry"),
    path("batch/<int:import_id>/", batch.import_detail, name="batch_import"),
    path("batch/<int:import_id>/save", batch.import_save, name="batch_save"),
    path("batch/<int:import_id>/discard", batch.import_discard_view, name="batch_discard"),
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
    # 年度活动设置
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/copy", campaigns.campaign_copy_view, name="campaign_copy"),
    path("campaigns/<int:year>/", campaigns.campaign_settings, name="campaign_settings"),
    path("campaigns/<int:year>/units", campaigns.campaign_units, name="campaign_units"),
    path("campaigns/<int:year>/sms", campaigns.campaign_sms, name="campaign_sms"),
    # 审计日志（只读）
    path("audit", auditlog.audit_log, name="audit"),
    path("audit/export.xlsx", auditlog.audit_export, name="audit_export"),
    path("audit/verify", auditlog.audit_verify, name="audit_verify"),
    path("audit/<int:entry_id>", auditlog.audit_entry, name="audit_entry"),
]
