"""Paths, git, state, lock. (Contract stub: to be implemented.)"""
