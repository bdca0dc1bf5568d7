from django.conf import settings
from django.urls import include, path
from django.views.decorators.cache import never_cache
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from lms import admin_scope
from ops import views as ops_views

urlpatterns = [
    # For load balancers and the operator's smoke test (ops.health); no login, no redirect to TLS.
    path("health/", include("ops.health")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/second-factor/", include("ops.urls")),
    path("account/home/", ops_views.home, name="account_home"),
    path("favicon.ico", ops_views.favicon),
    path("api/v1/", include("api.urls")),
    path("learn/", include("lms.urls")),
    # The administration's sign-in, ending on each role's own home (see ops.landing).
    path("admin/login/", ops_views.SignInView.as_view()),
    # Before the admin's own route: bulk-action pages name only what the user may act on.
    path(
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/",
        never_cache(require_admin_access(admin_scope.bulk_action)),
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("certificates.urls")),  # /verify/ and certificate downloads
    path("cascade/", include("cascade.urls")),
    path("audit/", include("audit.urls")),
    path("field/", include("fieldkit.urls")),  # the offline field kit
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    path("search/", cms_views.search, name="search"),  # Wagtail search over the visitor's language
    # Wagtail pages: each language's home page is a locale root, so pages live under /ar/… and /en/….
    path("", include(wagtail_urls)),
]
