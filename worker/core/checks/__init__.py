"""What is wrong with a config, and what is risky in it: errors refuse it, lints warn.

Above paging because some warnings are paging questions (a severity that would page nobody is
found by planning its pages), and apart from the config model so the model stays data.
"""
