from django.urls import path

from . import views

app_name = "clocks"

urlpatterns = [
    path("", views.clock_list, name="clock_list"),
    path("rules/", views.rule_list, name="rule_list"),
    path("<int:pk>/", views.clock_edit, name="clock_edit"),
]
