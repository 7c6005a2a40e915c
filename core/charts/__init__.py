"""Altair chart builders: arrays in, ``alt.Chart`` out. Labels arrive translated; no Streamlit here."""
