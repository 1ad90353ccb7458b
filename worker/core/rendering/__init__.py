"""The words people read: pages, broadcasts, summaries, digests, notices and the review, with
every producer-supplied string escaped for the format it is shown in.

The top room but one: rendering reads plans and decisions and is read by nothing below it.
"""
