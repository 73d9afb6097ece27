"""The explorer's page, which `streamlit run app.py` serves (app.py is the entry).

The page's set-up, the session's state, the model in use, and the view the person asked for. The views and panels are in explorer/, the engine in vae/.
"""

import gc
from pathlib import Path

import streamlit as st
import streamlit.delta_generator
import streamlit.runtime

# A new server's first page imports the app (NumPy, h5py, the explorer) with Streamlit's 90,000
# objects in memory, and the garbage collector went through all of them at every collection:
# 70-90 ms of that page. They live as long as the process, so they are frozen out of its way,
# once (later runs' objects are collected as usual).
if gc.get_freeze_count() == 0:
    gc.freeze()
    # At a process's first element, Streamlit checks whether it runs in Python's REPL (to print
    # a warning there) by reading the source of every frame on the stack: 60 ms of a new
    # server's first page (its cold first run 519 -> 456 ms, median of ten). Here it is run by
    # `streamlit run` (its runtime exists), where neither of that check's warnings can apply, so
    # the check is marked as done; `python page.py` still gets its warning. The name is
    # Streamlit's own, not public: tests/test_app.py fails if it goes (were it gone, this would
    # set an unused attribute and the check would run as before).
    if streamlit.runtime.exists():
        streamlit.delta_generator._use_warning_has_been_displayed = True

from explorer import first_page, follow, frame, links, resources, server_socket, sidebar, state, style, training_line  # noqa: E402
from explorer.pages import board, compare, explore  # noqa: E402

PRESENT = st.query_params.get("present", "").lower() in ("1", "true", "yes")
st.set_page_config(
    page_title="VAE latent-space explorer",
    # A decoded 8, as a file: an emoji icon would load Streamlit's emoji table (0.14 s at start).
    page_icon=Path(__file__).with_name("assets") / "favicon.png",
    layout="wide",
    initial_sidebar_state="collapsed" if PRESENT else "auto",
)

resources.start_reading_test_set()  # in a thread, beside this run's work (once per process)
server_socket.tune()  # each run's messages sent at once, not after the browser's delayed ack
state.init()
resources.teacher_code()  # made (and printed in the server's terminal) when the first page opens
links.apply_once()
style.apply(st.session_state.present)
view = sidebar.view()
if not first_page.whole():  # a new page
    # The sidebar's room before any map: sent after one, it could come once the map was drawn,
    # and the map shrank under the pointer (the compare view's, or on a loaded machine any).
    first_page.sidebar_room()
if view != "explore":
    first_page.fill()
options = sidebar.options()
request = st.session_state.pop("model_request", None)
marker_size = options["marker_size"]
map_view = None if view == "explore" else frame.plane_view()  # the board's map: a plane
if request and request != st.session_state.model_name:
    shown = frame.switch_to(request, marker_size, view=map_view)
else:
    shown = frame.current(marker_size, map_view)
state.fit_to(shown)  # the session's points in this model's size
if "pending_digit" in st.session_state:  # a ?digit= link, placed now that its encoding is known
    index = st.session_state.pop("pending_digit")
    state.choose(shown.mean[index], index=index)
{"explore": explore.show, "compare": compare.show, "board": board.show}[view](shown, options)
if first_page.whole():
    sidebar.show(shown.dataset, shown.name, with_training=view == "explore")  # last: the map reaches the page first
    follow.teacher_panel()
    training_line.warm_trainer()  # a trainer waiting for the next press of Train, once a page is whole
    follow.show()  # last: its banner floats over the page (nothing moves when it comes)
links.mirror()
follow.publish()
