"""`{{ amount|money:currency }}`: minor units shown as "$5", "€5.50", "CHF 12"."""

from django import template

register = template.Library()
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$", "nzd": "NZ$"}
_NO_MINOR = {"jpy"}


@register.filter
def money(amount: int | None, currency: str = "usd") -> str:
    currency = (currency or "usd").lower()
    value = (amount or 0) / (1 if currency in _NO_MINOR else 100)
    text = f"{value:,.2f}".removesuffix(".00") if currency not in _NO_MINOR else f"{value:,.0f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{currency.upper()} {text}"
