"""``pyfactory init``: factories, seeds and fixtures for a project that has models.

A project that adopts pyfactory has models already, and often a database. This
package writes what it needs to start: a factories module (one factory per model),
a seeds module (a few rows of every table, parents first) and a ``conftest.py`` that
registers the factories as pytest fixtures. It reads the models' own field
information (:mod:`pyfactory.introspect`) into plans (:mod:`._read`), which a small
emitter writes out as formatted Python (:mod:`._emit`); a database without models
is reflected into a models module first (:mod:`._reflect`). :mod:`._write` ties
them together for the command line (:mod:`pyfactory.cli._init`).

Layer: below the command line and above everything it reads; it imports no
optional library until a model or a URL of that kind is read.
"""
