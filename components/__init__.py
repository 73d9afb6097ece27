"""Small custom Streamlit components used by app.py (UI code only)."""
