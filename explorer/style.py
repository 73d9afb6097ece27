"""Page layout: compact enough that the map and the decoded image share a 1280x720 projector.

Streamlit's default page spends its top 100 px on padding and a large title; here the title
is a line and the padding a sliver. `?present=1` enlarges the text and the pictures for the
back of the room.
"""

from __future__ import annotations

import streamlit as st

# Out of sight but read by screen readers (the usual visually-hidden pattern).
HIDDEN = (
    "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap"
)
MAP_HEIGHT = {"normal": 520, "present": 600}
IMAGE_WIDTH = {"normal": 240, "present": 300}

COMPACT = """
<style>
  /* Read by the map (explorer/map/page.js): it is shown once the page is styled. */
  :root { --vae-page: styled; }
  [data-testid="stMainBlockContainer"] { padding: 2.4rem 1.5rem 2rem 1.5rem; max-width: 100%; }
  h1 { font-size: 1.6rem !important; padding: 0 0 0.2rem 0 !important; }
  /* The header (explorer/header.py): Streamlit's title and caption, drawn as one element. */
  h1.vae-title { font-weight: 700; line-height: 1.2; margin: 0; color: #2f2d2b; }
  .vae-caption { font-size: 0.875rem; line-height: 1.35; color: #4a4a55; margin: 0; }
  .st-key-latent_map, .st-key-map_tools { margin-bottom: -0.6rem; }
  /* The click mode's room: the same before it comes (explorer/first_page.py), while its
     placeholder shows, and after. */
  .st-key-click_mode_box { min-height: 42px; }
  [data-testid="stCaptionContainer"] { line-height: 1.35; }
  /* Text at 4.5:1 or more on white (WCAG 1.4.3): Streamlit's faded greys are lighter. */
  [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
  [data-testid="stImageCaption"], [data-testid="stWidgetLabel"] p, .stTooltipIcon { color: #4a4a55 !important; }
  [data-testid="stCaptionContainer"], [data-testid="stImageCaption"] { opacity: 1 !important; }
  button[data-variant="segmented_control"][aria-checked="false"] p { color: #31333f !important; }
  /* The map's keyboard focus: always visible (WCAG 2.4.7). */
  .vae-map-plot:focus-visible { outline: 3px solid #1a56b0; }
  .vae-map-plot:focus { outline: 3px solid #1a56b0; }
  @media (prefers-reduced-motion: reduce) {
    /* The replay steps by its slider only: no play button that sets the map moving. */
    .st-key-replay .updatemenu-container { display: none !important; }
    *, *::before, *::after { animation-duration: 0.01ms !important; animation-iteration-count: 1 !important;
                             transition-duration: 0.01ms !important; scroll-behavior: auto !important; }
  }
  @media (max-width: 640px) {
    /* On a phone Streamlit's header bar is drawn over the page's top: the title goes below it. */
    [data-testid="stMainBlockContainer"] { padding: 3.4rem 0.4rem 2rem 0.4rem; }
  }
</style>
"""

PRESENT = """
<style>
  [data-testid="stMainBlockContainer"] { padding-top: 2.8rem; }
  h1 { font-size: 1.3rem !important; }
  [data-testid="stAppViewContainer"] p, [data-testid="stAppViewContainer"] li,
  [data-testid="stAppViewContainer"] label { font-size: 21px; }
</style>
"""


def apply(present: bool) -> None:
    st.html(COMPACT + (PRESENT if present else ""))


def mode(present: bool) -> str:
    return "present" if present else "normal"
