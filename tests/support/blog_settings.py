"""The blog settings form as it starts: post `BASE | {field: value}` to change fields."""

BASE = {"title": "", "tagline": "", "description": "", "language": "english", "theme": "light",
        "accent": "#3559e0", "posts_per_page": 10, "navigation": "", "footer": ""}  # fmt: skip
