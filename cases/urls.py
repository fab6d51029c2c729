from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/suggest/", views.case_suggest, name="case_suggest"),
    path("cases/<slug:reference>/", views.case_detail, name="case_detail"),
    path("cases/<slug:reference>/edit/", views.case_edit, name="case_edit"),
    path("cases/<slug:reference>/stage/", views.case_stage_change, name="case_stage_change"),
    path("cases/<slug:reference>/checked/", views.case_checked, name="case_checked"),
    path("cases/<slug:reference>/close/", views.case_close, name="case_close"),
    path("cases/<slug:reference>/outcome/", views.case_outcome, name="case_outcome"),
    path("cases/<slug:reference>/related/add/", views.case_relation_add, name="case_relation_add"),
    path("cases/<slug:reference>/related/<int:pk>/remove/", views.case_relation_remove, name="case_relation_remove"),
    path("cases/<slug:reference>/delete/", views.case_delete, name="case_delete"),
    path("cases/<slug:reference>/people/add/", views.case_party_add, name="case_party_add"),
    path("cases/<slug:reference>/people/<int:pk>/remove/", views.case_party_remove, name="case_party_remove"),
    path("cases/<slug:reference>/events/new/<slug:kind>/", views.event_create, name="event_create"),
    path("cases/<slug:reference>/history/", views.case_history, name="case_history"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/move/", views.event_move, name="event_move"),
    path("events/<int:pk>/delete/", views.event_delete, name="event_delete"),
    path("events/<int:pk>/history/", views.event_history, name="event_history"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/suggest/", views.person_suggest, name="person_suggest"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/history/", views.person_history, name="person_history"),
    path("treaties/", views.treaty_list, name="treaty_list"),
    path("treaties/new/", views.treaty_create, name="treaty_create"),
    path("treaties/<int:pk>/", views.treaty_detail, name="treaty_detail"),
    path("treaties/<int:pk>/edit/", views.treaty_edit, name="treaty_edit"),
    path("search/", views.header_search, name="search"),
    path("dates/reading/", views.date_reading, name="date_reading"),
]
