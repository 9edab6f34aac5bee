"""
Provides the browser pages of accounts (the API's views are accounts.views): where a user opens a
one-time set-password link and chooses a password. They live under the admin site's path, so they
get its session, CSRF and browser-page CSP, and its look, but no login: the link is the credential.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.views.generic import TemplateView

from accounts.models import User
from accounts.selectors import user_get_for_set_password_link
from accounts.services import InvalidSetPasswordLinkError, set_password_link_redeem
from accounts.set_password_links import set_password_link_tokens


class AdminSiteLookMixin:
    """The admin site's header and styles (its context), with nothing that needs a login."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        return {**admin.site.each_context(self.request), **context}


class SetPasswordLinkView(AdminSiteLookMixin, PasswordResetConfirmView):
    """
    Django's password-reset confirmation, which first moves the token out of the address bar into
    the session (so that no Referer carries it), with three changes: the user is named by public id
    (the URL's `uidb64`), the token is this service's (accounts.set_password_links), and the
    password is set through the service, which checks the token again and audits the change.
    SetPasswordForm applies AUTH_PASSWORD_VALIDATORS. A bad, used or expired link is a page saying
    so (200), never an error.
    """

    form_class = SetPasswordForm
    token_generator = set_password_link_tokens
    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("set_password_link_done")
    title = "Choose your password"

    def get_user(self, uidb64: str) -> User | None:
        return user_get_for_set_password_link(uidb64)

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        try:
            set_password_link_redeem(
                user=self.user,
                token=self.request.session.get(INTERNAL_RESET_SESSION_TOKEN),
                password=form.cleaned_data["new_password1"],
            )
        except InvalidSetPasswordLinkError:  # used meanwhile (another tab), or the user changed
            self.validlink = False
            return self.render_to_response(self.get_context_data())
        self.request.session.pop(INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["link_hours"] = settings.PASSWORD_RESET_TIMEOUT // 3600
        if not self.validlink:
            context["title"] = "This link cannot be used"
        return context


class SetPasswordLinkDoneView(AdminSiteLookMixin, TemplateView):
    """Where a set-password link leads once the password is set: where to sign in with it."""

    template_name = "accounts/set_password_done.html"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["title"] = "Your password is set"
        return context
