from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="frontend/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("events/", views.events, name="events"),
    path("teams/", views.teams, name="teams"),
    path("jobs/", views.jobs, name="jobs"),
    path("events/<int:event_id>/", views.event_map, name="event-map"),
    path("events/<int:event_id>/gallery/", views.event_gallery, name="event-gallery"),
    path("events/<int:event_id>/uploads/", views.event_uploads, name="event-uploads"),
    path("events/<int:event_id>/datasets/", views.event_datasets, name="event-datasets"),
    path("images/<int:image_id>/edit/", views.image_editor, name="image-editor"),
    path("events/<int:event_id>/settings/", views.event_settings, name="event-settings"),
]
