"""Record linkage: name and date normalisation and the linkage model (plain Python, no Django)."""
