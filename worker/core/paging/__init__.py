"""Who is paged, by which contact kinds, and in what order: routing, rotations, plans, chains.

An incident's plan is computed once from the config and an instant; everything that later
escalates, redefines or reports an incident reads that plan rather than routing again.
"""
