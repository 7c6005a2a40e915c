"""Numerical core of DL Numerics Lab: pure numpy/scipy/mpmath, no UI."""
