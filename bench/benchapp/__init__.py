"""A tenant app that exists only in benchmarks: its migrations are written by the bench script
into a temporary module (`benchapp_migrations`), so a run can add migrations as it goes."""
