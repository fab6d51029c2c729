from django.contrib.auth.decorators import login_not_required, permission_required
from django.urls import path

from . import views
from .feeds import CaseTimelineFeed, FollowingFeed

app_name = "exchange"

urlpatterns = [
    path("export/", views.export, name="export"),
    path("export/files/<int:pk>/", views.export_status, name="export_status"),
    path("export/files/<int:pk>/download/", views.export_download, name="export_download"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("schema/v2.json", views.schema_v2, name="schema_v2"),
    path("cases/<slug:reference>/draft/", views.article_draft, name="article_draft"),
    path("feeds/", views.feeds, name="feeds"),
    path(
        "cases/<slug:reference>/feed.atom",
        permission_required("cases.view_case", raise_exception=True)(CaseTimelineFeed()),
        name="case_feed",
    ),
    # Private addresses for feed readers, which cannot log in: the token is the proof.
    path("feeds/<str:token>/cases/<slug:reference>.atom", login_not_required(CaseTimelineFeed()), name="case_feed_private"),
    path("feeds/<str:token>/following.atom", login_not_required(FollowingFeed()), name="following_feed"),
]
