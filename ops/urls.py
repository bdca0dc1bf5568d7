from django.urls import path

from ops import views

app_name = "ops"

urlpatterns = [
    path("", views.verify, name="second_factor"),
    path("enrol/", views.enrol, name="enrol"),
    path("recovery-codes/", views.new_recovery_codes, name="new_recovery_codes"),
]
