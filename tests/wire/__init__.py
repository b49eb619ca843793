"""Local HTTP servers that speak providers' real wire protocols, with scripted faults."""
