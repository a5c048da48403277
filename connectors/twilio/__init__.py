"""What the SMS and phone connectors share: webhook signature checks and the REST client."""
