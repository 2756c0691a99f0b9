"""The platform console for staff: Django admin over blogs, plans, domains and the fleet."""
