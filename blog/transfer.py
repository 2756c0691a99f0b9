"""Parts of a Quire export that belong to apps above blog, registered in their `ready()`
(blog never imports them): audience's subscribers. Each app writes and restores its own data.

A section has a key in `quire.json` (a list of objects), an `export()` that returns that
list for the current schema, and a `restore(tenant=, rows=, report=)` that puts the rows back
in the importing blog (within its plan) and notes what it did in `report`.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TransferSection:
    key: str
    export: Callable[[], list[dict]]
    restore: Callable[..., None]


_sections: dict[str, TransferSection] = {}


def transfer_section_register(section: TransferSection) -> None:
    _sections[section.key] = section


def transfer_sections() -> list[TransferSection]:
    return list(_sections.values())
