"""Helpers shared by test modules (a test module never imports another test module)."""

import pkgutil
import sys

if "pytest" in sys.modules:  # under pytest: asserts here explain themselves as tests' do
    sys.modules["pytest"].register_assert_rewrite(
        *(f"{__name__}.{module.name}" for module in pkgutil.iter_modules(__path__))
    )
