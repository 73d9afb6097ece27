// The page around the map: a map is shown once the page's layout is final.
//
// Streamlit loads an element's code the first time the page shows one of its kind. The page's
// style (explorer/style.py) and its header (explorer/header.py) are st.html elements, and on a
// loaded machine their code could come after the map's: the map was drawn in Streamlit's
// default padding, without the header above it, then jumped under a student's pointer (60 px
// left and up, and larger, when the style came; 34 px down when the header came). So a new map
// waits, out of sight, for the style (its `--vae-page` custom property) and for the header's
// title; after `limit` ms it is shown in any case.

export function pageSettled() {
  const styled = getComputedStyle(document.documentElement).getPropertyValue("--vae-page").trim() === "styled";
  return styled && document.querySelector(".vae-title") !== null;
}

export function whenSettled(callback, limit = 3000) {
  const deadline = performance.now() + limit;
  const check = () => {
    if (pageSettled() || performance.now() > deadline) { callback(); } else { setTimeout(check, 16); }
  };
  check();
}
