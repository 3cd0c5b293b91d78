"""An event-ticketing app's development data, seeded with pyfactory.

Organisers run events; an event has sessions (its dates) and categories of tickets
(with prices, quotas and, for some, a required membership); users hold tickets.
From the repository root::

    pyfactory seed examples/ticketing --create-tables    # writes pyfactory.sqlite3
    pyfactory seed examples/ticketing                    # again: every seed skipped
    pyfactory seed examples/ticketing --scale 100 --url sqlite:///load.sqlite3 --create-tables

``--only TicketingSeed`` runs part of them (that seed and those it depends on); a full
run later adds the rest. Open ``pyfactory.sqlite3`` with ``sqlite3`` to see the data:
registered users and walk-ins with names and addresses, a festival weekend with its
sessions, categories, quotas and the tickets sold.

The package's seeds are those of :mod:`.seeds`; ``pyfactory seed`` finds them here.
They are synchronous, as are the factories' builders: give them a synchronous URL
(``sqlite://``, ``postgresql+psycopg://``).
"""

from .seeds import CrowdSeed, MembershipsSeed, TicketingSeed, UsersSeed

__all__ = ["CrowdSeed", "MembershipsSeed", "TicketingSeed", "UsersSeed"]
