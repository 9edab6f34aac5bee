from django.urls import path, re_path

from ledger import views

ACCOUNT = r"^accounts/(?P<account_number>[0-9]{12})"

urlpatterns = [
    re_path(rf"{ACCOUNT}$", views.AccountView.as_view(), name="account"),
    re_path(rf"{ACCOUNT}/transactions$", views.AccountTransactionsView.as_view(), name="account-transactions"),
    re_path(rf"{ACCOUNT}/deposits$", views.DepositView.as_view(), name="account-deposits"),
    re_path(rf"{ACCOUNT}/withdrawals$", views.WithdrawalView.as_view(), name="account-withdrawals"),
    path("transfers", views.TransferListView.as_view(), name="transfers"),
    path("transfers/<uuid:movement_id>/reverse", views.MovementReverseView.as_view(), name="transfer-reverse"),
]
