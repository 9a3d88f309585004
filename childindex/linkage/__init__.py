"""Record linkage: name and date normalisation and the matching model (plain Python, no Django)."""
