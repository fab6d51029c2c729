from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("briefing/", views.home_briefing, name="home_briefing"),
    path("following/", views.following, name="following"),
    path("notifications/", views.notifications, name="notifications"),
    path("cases/<slug:reference>/follow/", views.case_follow, name="case_follow"),
    path("cases/<slug:reference>/unfollow/", views.case_unfollow, name="case_unfollow"),
    path("follows/<int:pk>/", views.follow_edit, name="follow_edit"),
    path("cases/<slug:reference>/deadlines/new/", views.deadline_create, name="deadline_create"),
    path("deadlines/<int:pk>/edit/", views.deadline_edit, name="deadline_edit"),
    path("deadlines/<int:pk>/done/", views.deadline_done, name="deadline_done"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("searches/new/", views.saved_search_create, name="saved_search_create"),
    path("searches/<int:pk>/", views.saved_search_edit, name="saved_search_edit"),
    path("searches/<int:pk>/delete/", views.saved_search_delete, name="saved_search_delete"),
    path("searches/unsubscribe/<str:token>/", views.search_unsubscribe, name="search_unsubscribe"),
]
