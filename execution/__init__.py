"""Execution: limit-order pricing and repricing, rolls, idempotent order intents."""
