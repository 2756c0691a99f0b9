from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People sign up through shared.signup, which makes their blog at the same time.
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request, "tenant", None) is not None:
            return "/dashboard/"
        return "/blogs/"
