"""Screening alpha: quote validation, covered-call and cash-secured-put screens, scoring and ranking."""
