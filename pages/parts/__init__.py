"""Page building blocks kept out of pages/ itself, so Streamlit never lists them as pages."""
