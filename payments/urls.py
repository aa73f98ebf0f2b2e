from django.urls import path

from payments import online_views, views

app_name = "payments"

# The private_token converter is registered by enrollment/urls.py (the student's link).
urlpatterns = [
    path("my/<private_token:token>/payments/", views.payments, name="payments"),
    path("my/<private_token:token>/payments/receipts/<int:entry_id>/", views.receipt, name="receipt"),
    path("my/<private_token:token>/payments/pay/", online_views.pay_now, name="pay_now"),
    path("my/<private_token:token>/payments/paid/", online_views.checkout_paid, name="checkout_paid"),
    path("my/<private_token:token>/payments/cancelled/", online_views.checkout_cancelled, name="checkout_cancelled"),
    path("payments/stripe/webhook/", online_views.stripe_webhook, name="stripe_webhook"),
]
