"""The only shared Streamlit code: page frame, language and URL state."""
