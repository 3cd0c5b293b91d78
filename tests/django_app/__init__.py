"""A tiny Django app whose models the DjangoBuilder tests write to."""
