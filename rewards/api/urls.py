from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views_public

app_name = "api"

urlpatterns = [
    path("health", views_public.HealthView.as_view(), name="health"),
    path("campaigns/current", views_public.CurrentCampaignView.as_view(), name="campaign-current"),
    path("eligibility", views_public.EligibilityView.as_view(), name="eligibility"),
    path("openapi.json", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
