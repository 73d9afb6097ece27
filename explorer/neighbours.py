"""The neighbours layout of a model that has none yet: computed in the background, with its progress.

Bundled models ship their layout. A freshly trained one gets its layout when someone first asks
for the view: a child process at the lowest priority computes it (vae/workers/layouts.py), one
per model for the whole server, while the map stays on the PCA plane and the page stays usable.
When it is written, the page that asked redraws its map as the layout.
"""

from __future__ import annotations

import threading

import streamlit as st

from explorer import resources
from explorer.frame import Frame
from vae.workers.layouts import LayoutJob


@st.cache_resource(show_spinner=False)
def _jobs() -> tuple[dict, threading.Lock]:
    """The layouts being computed on this server: {model folder: LayoutJob}."""
    return {}, threading.Lock()


def job_for(path: str) -> LayoutJob:
    """The job computing `path`'s layout, started if there is none (or the last one failed and
    a page asks again)."""
    jobs, lock = _jobs()
    with lock:
        job = jobs.get(path)
        if job is None or job.state()[0] == "failed" and job.seen_failure:
            job = jobs[path] = LayoutJob(path)
            job.seen_failure = False
        return job


def computing(frame: Frame) -> None:
    """Start (once) the layout of `frame`'s model, and show how far it is until it is there."""
    job_for(frame.path)
    progress(frame)


@st.fragment(run_every=1.0)
def progress(frame: Frame) -> None:
    job = job_for(frame.path)
    status, fraction, error = job.state()
    if status == "failed":
        job.seen_failure = True  # a later visit tries again
        st.error(f"The neighbours layout could not be computed: {error}. The map stays on the PCA plane.")
        return
    if resources.neighbour_layout(frame.path, frame.dataset) is not None:
        st.rerun()  # the whole page, whose map becomes the layout
    if status == "done":  # written, but not for these means (the model changed meanwhile)
        job.seen_failure = True
        st.error("The neighbours layout was computed for other encodings of this model. Choose the view again.")
        return
    st.progress(
        fraction,
        text=f"Computing the neighbours layout of {frame.name} (t-SNE of {len(frame.mean):,} means, about a "
        f"minute on 2 cores, in the background): {fraction:.0%}. The map shows the PCA plane meanwhile.",
    )
