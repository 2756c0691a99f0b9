from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People sign up through shared.signup, which makes their blog at the same time.
        return False

    def logout(self, request: HttpRequest) -> None:
        """Log out here and everywhere else: root domain and every blog host."""
        from shared.accounts import services

        if request.user.is_authenticated:
            services.user_sessions_end(user=request.user)
        super().logout(request)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request, "tenant", None) is not None:
            return "/dashboard/"
        return "/blogs/"
