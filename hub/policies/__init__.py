"""Hub policies: rules that apply to every channel and run after a change commits.

Each module here reacts to committed domain events or to stored input, whatever the
channel; a connector never has to call one.
"""
