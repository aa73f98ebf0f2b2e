from django.urls import path

from clinical import views

app_name = "clinical"

# The private_token converter is registered by enrollment/urls.py (the student's link; the preceptor's token has the
# same shape). Anything that cannot be a token is a 404 before a view runs.

urlpatterns = [
    path("my/<private_token:token>/clinicals/", views.clinicals, name="clinicals"),
    path("my/<private_token:token>/clinicals/documents/", views.add_document, name="add_document"),
    path("my/<private_token:token>/clinicals/shifts/<int:shift_id>/book/", views.book, name="book"),
    path("my/<private_token:token>/clinicals/bookings/<int:booking_id>/drop/", views.drop, name="drop"),
    path("my/<private_token:token>/clinicals/bookings/<int:booking_id>/contacts/", views.log_contact, name="log"),
    path("preceptor/<private_token:token>/", views.preceptor, name="preceptor"),
]
