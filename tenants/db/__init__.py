"""Quire's database backend: django-tenants' PostgreSQL backend that counts schemas visited."""
