"""Alembic environment: runs genmon's revisions on the connection genmon hands over.

genmon calls Alembic programmatically (:func:`genmon.db.migrate.upgrade`), so
there is no ``alembic.ini``; the connection arrives in
``config.attributes["connection"]``.
"""

from alembic import context

from genmon.db.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
