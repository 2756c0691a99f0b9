"""The platform console's own data: the audit log, chart drawing and fleet/pool figures.

Public schema. The bottom of the platform apps: it imports nothing from tenants/, billing or
blog (tenants and billing import it). Models of other apps are read by name.
"""
