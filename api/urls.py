"""Routes of the public REST API (DESIGN.md §5). Every route is listed here, once."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from api.views import (
    annotations,
    datasets,
    events,
    extractions,
    images,
    imports,
    jobs,
    map_shapes,
    sentinelhub,
    sources,
    teams,
    tiles,
    uploads,
    work,
)

v1 = [
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("teams/", teams.TeamListView.as_view(), name="team-list"),
    path("teams/<int:team_id>/", teams.TeamDetailView.as_view(), name="team-detail"),
    path("teams/<int:team_id>/members/", teams.MemberListView.as_view(), name="member-list"),
    path(
        "teams/<int:team_id>/members/<int:membership_id>/",
        teams.MemberDetailView.as_view(),
        name="member-detail",
    ),
    path(
        "teams/<int:team_id>/sentinelhub-credential/",
        sentinelhub.SentinelHubCredentialView.as_view(),
        name="sentinelhub-credential",
    ),
    path("events/", events.EventListView.as_view(), name="event-list"),
    path("events/<int:event_id>/", events.EventDetailView.as_view(), name="event-detail"),
    path(
        "events/<int:event_id>/label-classes/",
        events.LabelClassListView.as_view(),
        name="label-class-list",
    ),
    path(
        "label-classes/<int:label_class_id>/",
        events.LabelClassDetailView.as_view(),
        name="label-class-detail",
    ),
    path("events/<int:event_id>/images/", images.ImageListView.as_view(), name="image-list"),
    path(
        "events/<int:event_id>/images/bulk-tags/",
        images.ImageBulkTagView.as_view(),
        name="image-bulk-tags",
    ),
    path("events/<int:event_id>/uploads/", uploads.EventUploadView.as_view(), name="event-uploads"),
    path(
        "events/<int:event_id>/extractions/",
        extractions.EventExtractionView.as_view(),
        name="event-extractions",
    ),
    path("images/<int:image_id>/", images.ImageDetailView.as_view(), name="image-detail"),
    path("images/<int:image_id>/tags/", images.ImageTagView.as_view(), name="image-tags"),
    path("images/<int:image_id>/lock/", work.ImageLockView.as_view(), name="image-lock"),
    path("images/<int:image_id>/worklog/", work.WorkLogView.as_view(), name="image-worklog"),
    path(
        "images/<int:image_id>/neighbours/",
        work.ImageNeighboursView.as_view(),
        name="image-neighbours",
    ),
    path(
        "images/<int:image_id>/tiles/<int:z>/<int:x>/<int:y>.<str:fmt>",
        tiles.MercatorTileView.as_view(),
        name="image-tile",
    ),
    path(
        "images/<int:image_id>/image-tiles/<int:z>/<int:x>/<int:y>.<str:fmt>",
        tiles.ImageSpaceTileView.as_view(),
        name="image-space-tile",
    ),
    path(
        "images/<int:image_id>/tilejson.json", tiles.TileJSONView.as_view(), name="image-tilejson"
    ),
    path("images/<int:image_id>/preview.png", tiles.PreviewView.as_view(), name="image-preview"),
    path(
        "images/<int:image_id>/thumbnail.png", tiles.ThumbnailView.as_view(), name="image-thumbnail"
    ),
    path("images/<int:image_id>/pixels/", tiles.PixelView.as_view(), name="image-pixels"),
    path(
        "images/<int:image_id>/annotations/",
        annotations.AnnotationListView.as_view(),
        name="annotation-list",
    ),
    path(
        "annotations/<int:annotation_id>/",
        annotations.AnnotationDetailView.as_view(),
        name="annotation-detail",
    ),
    path(
        "annotations/<int:annotation_id>/history/",
        annotations.AnnotationHistoryView.as_view(),
        name="annotation-history",
    ),
    path(
        "annotations/<int:annotation_id>/review/",
        annotations.AnnotationReviewView.as_view(),
        name="annotation-review",
    ),
    path(
        "annotations/<int:annotation_id>/convert/",
        annotations.AnnotationConvertView.as_view(),
        name="annotation-convert",
    ),
    path(
        "events/<int:event_id>/map-shapes/",
        map_shapes.MapShapeListView.as_view(),
        name="map-shape-list",
    ),
    path(
        "map-shapes/<int:map_shape_id>/",
        map_shapes.MapShapeDetailView.as_view(),
        name="map-shape-detail",
    ),
    path("events/<int:event_id>/summary/", jobs.EventSummaryView.as_view(), name="event-summary"),
    path(
        "events/<int:event_id>/sentinelhub/search/",
        sentinelhub.SentinelHubSearchView.as_view(),
        name="sentinelhub-search",
    ),
    path(
        "events/<int:event_id>/label-imports/",
        imports.LabelImportView.as_view(),
        name="label-import",
    ),
    path(
        "events/<int:event_id>/datasets/",
        datasets.DatasetVersionListView.as_view(),
        name="dataset-list",
    ),
    path(
        "datasets/<int:dataset_id>/",
        datasets.DatasetVersionDetailView.as_view(),
        name="dataset-detail",
    ),
    path(
        "datasets/<int:dataset_id>/download/",
        datasets.DatasetDownloadView.as_view(),
        name="dataset-download",
    ),
    path("sources/gibs/layers/", sources.GibsLayerListView.as_view(), name="gibs-layer-list"),
    path("jobs/", jobs.JobListView.as_view(), name="job-list"),
    path("jobs/<int:job_id>/", jobs.JobDetailView.as_view(), name="job-detail"),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]
