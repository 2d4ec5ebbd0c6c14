"""The store not answering (a restart, a lost connection), as each library says it: the
caller may ask or send again."""

import eventsourcing.persistence
import psycopg
import sqlalchemy.exc

StoreUnavailable = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    eventsourcing.persistence.OperationalError,
    eventsourcing.persistence.InterfaceError,
    psycopg.OperationalError,
)
