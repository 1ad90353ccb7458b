"""What happens next, decided from stored state and an instant: timer states, storm windows and
heartbeat expiries.

The adapters keep these states in the database (the clock's truth); the functions here only say
what the state at an instant means.
"""
