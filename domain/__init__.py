"""The vocabulary every stage speaks: frozen value types and the typed strategy config."""
