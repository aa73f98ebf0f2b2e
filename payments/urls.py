from django.urls import path

from payments import views

app_name = "payments"

# The private_token converter is registered by enrollment/urls.py (the student's link).
urlpatterns = [
    path("my/<private_token:token>/payments/", views.payments, name="payments"),
    path("my/<private_token:token>/payments/receipts/<int:entry_id>/", views.receipt, name="receipt"),
]
