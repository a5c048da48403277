"""Channel connectors: each verifies and normalises its provider's input and delivers output."""
