"""Importers: models written elsewhere (Keras code, ...) turned into cnncalc specs.

Each importer writes a spec (YAML text) rather than a report, so that what it read can be
looked at, edited and analyzed like any spec; none runs the code it reads.
"""
