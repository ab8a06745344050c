"""Files in and out: the one bad-input error, topology and parameter files, and the JSON
Schemas of the file formats."""
