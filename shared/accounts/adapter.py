from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from shared.accounts import emails, selectors, services
from shared.accounts.ratelimits import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Signup (which makes the first blog) happens on the root domain only.
        return getattr(request, "tenant", None) is None

    def get_client_ip(self, request: HttpRequest) -> str:
        """REMOTE_ADDR only (set from the trusted proxy's header by the proxy middleware)."""
        return client_ip(request)

    def logout(self, request: HttpRequest) -> None:
        """Log out here and everywhere else: root domain and every blog host."""
        if request.user.is_authenticated:
            services.user_sessions_end(user=request.user)
        super().logout(request)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request, "tenant", None) is not None:
            return "/dashboard/"
        return "/blogs/"

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        """After signing up (logged in once the address is confirmed): the new blog."""
        if request.user.is_authenticated:
            subdomain = selectors.user_first_owned_subdomain(user=request.user)
            if subdomain:
                return f"/blogs/{subdomain}/open/"
        return "/blogs/"

    def get_email_verification_redirect_url(self, email_address) -> str | None:
        """After confirming the address at signup: straight into the new blog's dashboard
        (through the hand-off) when logged in here, else My blogs."""
        request = self.request
        if getattr(request, "tenant", None) is None and request.user.is_authenticated:
            subdomain = selectors.user_first_owned_subdomain(user=request.user)
            if subdomain:
                return f"/blogs/{subdomain}/open/"
        return super().get_email_verification_redirect_url(email_address)

    def format_email_subject(self, subject: str) -> str:
        tenant = getattr(self.request, "tenant", None)
        return f"[{tenant.name if tenant is not None else 'Quire'}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = emails.context_for(request=self.request, email=email, context=context)
        super().send_mail(template_prefix, email, context)
