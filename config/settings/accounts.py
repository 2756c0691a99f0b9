"""Accounts: one login for the platform and every blog (allauth), two-factor, social login,
abuse limits."""

from config.settings.base import DEBUG, env

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# allauth: email only, no usernames (more in the accounts block at the end).
ACCOUNT_ADAPTER = "shared.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"

# How many blogs on the Free plan one person may own ("My blogs" -> New blog, and signup).
QUIRE_FREE_BLOGS_PER_ACCOUNT = env.int("QUIRE_FREE_BLOGS_PER_ACCOUNT", default=3)
# Signup is allauth's (signup.views.SignupView + signup.forms.SignupForm): the
# form also asks for the first blog. Verification is "optional" for logging in (an unconfirmed
# owner can write) and always mailed at signup; publishing and inviting wait for it
# (shared.accounts.services.publishing_allowed_check).
ACCOUNT_FORMS = {"signup": "signup.forms.SignupForm"}
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_CHANGE_EMAIL = True  # a new address replaces the old one once confirmed
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_NOTIFICATIONS = True  # password/email changed notices

# Two-factor (allauth.mfa): TOTP with recovery codes, and security keys / passkeys. Staff must
# have one before any console action (shared.accounts.mfa.StaffMFARequiredMiddleware).
MFA_ADAPTER = "shared.accounts.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Quire"
# WebAuthn needs a secure origin; plain http is allowed only for local development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
QUIRE_CONSOLE_PREFIX = "/admin/"

# Abuse limits on allauth's rate limiter (shared.accounts.ratelimits): "amount/period/per",
# per = ip | user | key. allauth's own actions keep their defaults unless named here.
ACCOUNT_RATE_LIMITS = {
    "signup": env("QUIRE_RATE_SIGNUP", default="5/h/ip"),  # each one provisions a schema
    "reset_password": env("QUIRE_RATE_RESET_PASSWORD", default="10/h/ip,3/h/key"),
    "blog_create": env("QUIRE_RATE_BLOG_CREATE", default="10/h/ip,5/d/user"),
    "search": env("QUIRE_RATE_SEARCH", default="60/m/ip"),
    "invitation_send": env("QUIRE_RATE_INVITATION_SEND", default="60/h/ip,20/h/user"),
    # The public API (api/): per client address, and per token (key) on the Admin API.
    "api_content": env("QUIRE_RATE_API_CONTENT", default="600/m/ip"),
    "api_admin": env("QUIRE_RATE_API_ADMIN", default="600/m/ip"),
    "api_token": env("QUIRE_RATE_API_TOKEN", default="300/m/key"),
    # Subscribing to a blog, and a writer's test sends of a newsletter.
    "subscribe": env("QUIRE_RATE_SUBSCRIBE", default="10/h/ip,3/h/key"),
    "newsletter_test": env("QUIRE_RATE_NEWSLETTER_TEST", default="20/h/user"),
    # Comments and replies: per client address, and per member or guest address (key).
    "comment": env("QUIRE_RATE_COMMENT", default="20/m/ip,6/m/key"),
}

# Social login (GitHub, Google): off unless both of a provider's variables are set. With
# them, the root domain's login and signup pages offer it (callback URL to register with the
# provider: <scheme>://<PLATFORM_DOMAIN>/accounts/<github|google>/login/callback/).
SOCIALACCOUNT_PROVIDERS: dict = {}
SOCIAL_PROVIDER_APPS: list[str] = []
for _provider, _prefix in (("github", "GITHUB"), ("google", "GOOGLE")):
    _client_id = env(f"QUIRE_{_prefix}_CLIENT_ID", default="")
    _secret = env(f"QUIRE_{_prefix}_CLIENT_SECRET", default="")
    if _client_id and _secret:
        SOCIAL_PROVIDER_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APPS": [{"client_id": _client_id, "secret": _secret, "key": ""}],
            "SCOPE": ["user:email"] if _provider == "github" else ["profile", "email"],
            "VERIFIED_EMAIL": _provider == "google",
        }
# The socialaccount app (its tables) is always installed, so turning a provider on needs no
# migration; with no provider configured nothing is offered.
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never log into an existing account by email
