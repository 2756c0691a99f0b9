"""The tiers a gated post can be limited to. Blog stores tier ids on posts
(`Post.access_tiers`) without knowing what they are; the app that sells tiers registers
where the editor finds their names."""

from collections.abc import Callable

TierChoices = Callable[[], list[tuple[int, str]]]
_sources: list[TierChoices] = []


def tier_choices_register(source: TierChoices) -> None:
    if source not in _sources:
        _sources.append(source)


def tier_choices() -> list[tuple[int, str]]:
    """(id, name) of every tier a post may be limited to; empty when nothing sells tiers."""
    return [choice for source in _sources for choice in source()]
