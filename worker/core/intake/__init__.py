"""What arrives from outside, in the formats muster accepts: alert groups, message names, ack
tokens, SMS reply codes, signatures and the reserved identifier namespaces.

Independent of paging: an intake format only turns untrusted input into typed values (or a
refusal), and never decides who to page.
"""
