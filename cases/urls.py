from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("cases/<slug:reference>/", views.case_detail, name="case_detail"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
]
