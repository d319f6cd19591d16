"""Risk management: portfolio Greeks limits, stops, breakers, kill switch, VaR/ES, stress, correlation."""
