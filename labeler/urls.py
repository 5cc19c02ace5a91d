from django.contrib import admin
from django.urls import include, path

from api.errors import not_found as api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("frontend.urls")),
]


def handler404(request, exception):  # type: ignore[no-untyped-def]
    """Unknown URLs under /api/ answer in the API's error format; others get Django's page."""
    if request.path.startswith("/api/"):
        return api_not_found(request)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
