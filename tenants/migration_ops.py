"""Migration operations for the public schema's tables."""

from django.contrib.postgres.operations import AddIndexConcurrently


class AddIndexConcurrentlyPublic(AddIndexConcurrently):
    """`AddIndexConcurrently` that does nothing, not even refuse, where the router keeps its
    app out (a blog schema: django-tenants records public apps' migrations there too). Django's
    refuses to run inside a transaction before asking the router, which fails every blog
    schema migrated inside one (migrate_fleet's per-schema transaction, tests)."""

    def _allowed(self, app_label, schema_editor, state) -> bool:
        model = state.apps.get_model(app_label, self.model_name)
        return self.allow_migrate_model(schema_editor.connection.alias, model)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if self._allowed(app_label, schema_editor, to_state):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self._allowed(app_label, schema_editor, from_state):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
