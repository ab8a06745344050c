"""Example maintenance orchestrators for `pytest --vmspec-impl`: `reference` conforms to
the specification; `hasty` carries a subtle notice bug the plugin catches."""
