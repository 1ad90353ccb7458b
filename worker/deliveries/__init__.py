"""Deliveries: the outbox rows a decision writes, and sending them.

``rows`` writes them (inside the deciding transaction); ``claim`` takes a batch with a lease;
``send`` sends it concurrently, with retries; ``record`` stores the outcome, sent ones together;
``fallback`` tries the next contact kind of a page that failed; ``sweep`` finds what a crash left.
A SEV1's sixty pages cost a few statements and a few broker messages, not hundreds.
"""
