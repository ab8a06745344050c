"""Other implementations against the spec: their traces, their Scheduled Events captures, and
live Python orchestrators through the pytest plugin."""
