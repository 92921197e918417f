"""Signing in and out on a shared tablet."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from core.signin import SigninLocked, signin_lockout_remaining
from staff.models import Store

# The tablet remembers which store it stands in (not who used it last): shown on the sign-in page.
LAST_STORE_COOKIE = "last_store"
ONE_YEAR = 365 * 24 * 60 * 60


class SignInView(auth_views.LoginView):
    template_name = "web/sign_in.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        code = self.request.COOKIES.get(LAST_STORE_COOKIE, "")[:20]
        return super().get_context_data(**kwargs) | {"last_store": Store.objects.filter(code=code).first()}

    def form_invalid(self, form) -> HttpResponse:
        remaining = signin_lockout_remaining(self.request, form.data.get("username", ""))
        if remaining is None:
            return super().form_invalid(form)
        # Said with 429: the lockout middleware keeps a page's own answer to a lockout.
        locked = SigninLocked(remaining=remaining)
        form.errors.clear()
        form.add_error(None, locked.detail)
        return self.render_to_response(self.get_context_data(form=form), status=429, headers=locked.headers)

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        store = form.get_user().store
        if store is not None:
            response.set_cookie(
                LAST_STORE_COOKIE,
                store.code,
                max_age=ONE_YEAR,
                samesite="Lax",
                secure=self.request.is_secure(),
                httponly=True,
            )
        return response


class SignOutView(auth_views.LogoutView):
    """One tap signs out (a POST, so that no link or prefetch can sign someone out)."""

    next_page = "web:sign-in"
