"""The explorer's UI: one module per view or panel (streamlit lives here, never in vae/)."""
