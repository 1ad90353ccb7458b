"""Heartbeat monitors' adapters: their rows, the scan that finds misses, the handler of a
heartbeat, and the settling of their incidents through the incident handlers."""
