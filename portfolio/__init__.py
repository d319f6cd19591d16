"""Portfolio construction: decision matrix, sizing, caps, cash reservation and the wheel's lifecycle."""
