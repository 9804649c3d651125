"""The Kinerja domain: framework-free services, formulas, recaps and exports (never imports streamlit)."""
