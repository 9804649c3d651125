"""The framework's floor for any page: the element calls a page made, replayed from a pickle.

bench/pages_probe.py records every Streamlit element call of one render of a page (method, arguments,
main area or sidebar; bench.pages_probe.Recorder) and the app's navigation (its pages, by group), pickles
them and points KINERJA_BENCH_CALLS at the file. This script makes the same navigation (the same pages,
hidden, with the sidebar's page links as app.py draws them) and, as the page the app was on, the same
element calls again, flat (no columns, tabs or forms: layout containers cost next to nothing; a form's
submit button becomes a button; a widget without a key gets one, as forms and tabs kept them apart).
Its time is what Streamlit itself costs for that output; the page's time over it is what the app adds
(login check, permissions, queries, computing).
"""

from __future__ import annotations

import os
import pickle

import streamlit as st

WIDGETS = {"button", "checkbox", "selectbox", "multiselect", "radio", "text_input", "text_area", "number_input",
           "date_input", "time_input", "datetime_input", "data_editor", "file_uploader", "download_button", "toggle",
           "slider", "select_slider", "pills", "segmented_control", "color_picker", "feedback", "audio_input",
           "camera_input", "chat_input"}


@st.cache_resource
def _load(path: str) -> dict:
    with open(path, "rb") as fh:
        return pickle.load(fh)


data = _load(os.environ["KINERJA_BENCH_CALLS"])


def replay() -> None:
    for n, (name, sidebar, args, kwargs) in enumerate(data["calls"]):
        target = st.sidebar if sidebar else st
        if name == "form_submit_button":
            name = "button"
            kwargs = {k: v for k, v in kwargs.items() if k in ("label", "help", "type", "disabled", "icon", "width")}
        if name in WIDGETS and "key" not in kwargs:
            kwargs = {**kwargs, "key": f"bare-{n}"}
        getattr(target, name)(*args, **kwargs)


def other() -> None:
    pass


nav = data["nav"]
if nav:
    groups = {g: [st.Page(replay if url == nav["default"] else other, title=title, icon=icon, url_path=url or "home",
                          default=url == nav["default"], visibility=visibility)
                  for title, icon, url, visibility in items]
              for g, items in nav["groups"].items()}
    page = st.navigation(groups, position=nav["position"])
    with st.sidebar:
        for g, items in groups.items():
            if g:
                st.caption(g)
            for p in items:
                if p.visibility != "hidden":
                    st.page_link(p, label=p.title, icon=p.icon)
    page.run()
else:
    replay()
