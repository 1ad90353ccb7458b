"""Delivery adapters: from a person's address and a contact template to an Apprise target."""
