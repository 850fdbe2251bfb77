from csp.decorators import csp_update
from django.conf import settings
from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from . import (
    views_applicant,
    views_batches,
    views_declarations,
    views_payments,
    views_public,
    views_reports,
    views_review,
    views_stats,
    views_training,
)

app_name = "api"


class ApiDocsView(SpectacularSwaggerSplitView):
    """接口文档: Swagger UI with a Chinese page title and its own words said in Chinese by our
    script (api/docs.html); Swagger UI itself is served as the sidecar package ships it."""

    template_name = "api/docs.html"
    title = "接口文档（v1） · 杭州市职工高技能人才奖励平台"


urlpatterns = [
    path("health", views_public.HealthView.as_view(), name="health"),
    path("campaigns/current", views_public.CurrentCampaignView.as_view(), name="campaign-current"),
    path("eligibility", views_public.EligibilityView.as_view(), name="eligibility"),
    # workers
    path("applicant/otp", views_applicant.OtpView.as_view(), name="applicant-otp"),
    path("applicant/session", views_applicant.SessionView.as_view(), name="applicant-session"),
    path("applicant/applications", views_applicant.MyApplicationsView.as_view(), name="applicant-applications"),
    path("applications", views_applicant.ApplicationsView.as_view(), name="applications"),
    path("applications/query", views_applicant.QueryView.as_view(), name="applications-query"),
    path("applications/<str:no>/resubmit", views_applicant.ResubmitView.as_view(), name="application-resubmit"),
    path("applications/<str:no>/withdraw", views_applicant.WithdrawView.as_view(), name="application-withdraw"),
    path("applications/<str:no>/query-password", views_applicant.QueryPasswordView.as_view(), name="application-query-password"),
    # staff
    path("auth/token", views_review.TokenView.as_view(), name="auth-token"),
    path("review/applications", views_review.QueueView.as_view(), name="review-queue"),
    path("review/applications/<str:no>", views_review.DetailView.as_view(), name="review-detail"),
    path("review/applications/<str:no>/resubmit", views_batches.BatchResubmitView.as_view(), name="review-resubmit"),
    path("payments/batches", views_payments.BatchesView.as_view(), name="payment-batches"),
    path("payments/batches/<str:no>/approve", views_payments.ApproveView.as_view(), name="payment-batch-approve"),
    path("payments/batches/<str:no>/cancel", views_payments.CancelView.as_view(), name="payment-batch-cancel"),
    path("payments/batches/<str:no>/file", views_payments.FileView.as_view(), name="payment-batch-file"),
    path("payments/batches/<str:no>/results", views_payments.ResultsView.as_view(), name="payment-batch-results"),
    path("payments/lines/<str:reference>/reversal", views_payments.ReversalView.as_view(), name="payment-line-reversal"),
    path("batch-submissions", views_batches.BatchSubmissionView.as_view(), name="batch-submissions"),
    path("review/applications/<str:no>/decision", views_review.DecisionView.as_view(), name="review-decision"),
    path("review/applications/<str:no>/flags/<str:flag>/resolve", views_review.FlagResolveView.as_view(), name="review-flag-resolve"),
    path("review/applications/<str:no>/attachments/<int:attachment_id>", views_review.AttachmentView.as_view(), name="review-attachment"),
    path("review/applications/<str:no>/annex3.pdf", views_reports.Annex3View.as_view(), name="review-annex3"),
    path("reports/annex4.xlsx", views_reports.Annex4XlsxView.as_view(), name="report-annex4-xlsx"),
    path("reports/annex4.pdf", views_reports.Annex4PdfView.as_view(), name="report-annex4-pdf"),
    # 非通用性职业申报（附件5）and 培训计划
    path("occupation-declarations", views_declarations.DeclarationsView.as_view(), name="occupation-declarations"),
    path("occupation-declarations/<int:declaration_id>", views_declarations.DeclarationView.as_view(), name="occupation-declaration"),
    path(
        "occupation-declarations/<int:declaration_id>/withdraw",
        views_declarations.DeclarationWithdrawView.as_view(),
        name="occupation-declaration-withdraw",
    ),
    path(
        "occupation-declarations/<int:declaration_id>/decision",
        views_declarations.DeclarationDecisionView.as_view(),
        name="occupation-declaration-decision",
    ),
    path("reports/annex5.xlsx", views_declarations.Annex5XlsxView.as_view(), name="report-annex5-xlsx"),
    path("reports/annex5.pdf", views_declarations.Annex5PdfView.as_view(), name="report-annex5-pdf"),
    path("training-plans", views_training.PlansView.as_view(), name="training-plans"),
    path("training-plans/summary", views_training.SummaryView.as_view(), name="training-plans-summary"),
    path("training-plans/<int:plan_id>", views_training.PlanView.as_view(), name="training-plan"),
    path("reports/training-plans.xlsx", views_training.PlansXlsxView.as_view(), name="report-training-plans-xlsx"),
    path("stats/progress", views_stats.ProgressView.as_view(), name="stats-progress"),
    path("reports/annex1.xlsx", views_stats.Annex1XlsxView.as_view(), name="report-annex1-xlsx"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script under the CSP. Swagger
    # UI injects <style> elements, so this public page (no personal data) allows inline styles.
    path("docs", csp_update({"style-src": ["'unsafe-inline'"]})(ApiDocsView.as_view(url_name="api:schema")), name="docs"),
]

if settings.BENCH_ENDPOINTS:  # make bench only; config.settings.production refuses the setting
    from . import views_bench

    urlpatterns.append(path("_bench/discard", views_bench.discard, name="bench-discard"))
